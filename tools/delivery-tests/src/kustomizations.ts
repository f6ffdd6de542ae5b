/**
 * The kustomizations under k8s/ and the menu they make: every environment overlay with every
 * combination of the optional components, each rendered on demand.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, normalize, relative } from 'node:path';
import { render, repoPath, repoRoot, type K8sObject } from '@myshop/release';
import { parseAllDocuments } from 'yaml';

/**
 * Renders `overlay` with extra `components` on top, through a throw-away kustomization in a
 * temporary directory (kustomize accepts relative paths only). `namespace` is applied to what the
 * components add, as the overlay does to its own objects.
 */
export function renderWithComponents(overlay: string, components: string[], namespace?: string): K8sObject[] {
  const dir = mkdtempSync(join(tmpdir(), 'myshop-kustomize-'));
  try {
    const lines = ['apiVersion: kustomize.config.k8s.io/v1beta1', 'kind: Kustomization'];
    if (namespace) lines.push(`namespace: ${namespace}`);
    lines.push('resources:', `  - ${relative(dir, repoPath(overlay))}`);
    if (components.length > 0) lines.push('components:', ...components.map((component) => `  - ${relative(dir, repoPath(component))}`));
    writeFileSync(join(dir, 'kustomization.yaml'), `${lines.join('\n')}\n`);
    return render(dir, { cache: false });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function kustomizationDirs(under: string): string[] {
  const root = repoPath(under);
  if (!existsSync(root)) return [];
  const found: string[] = [];
  const walk = (dir: string) => {
    if (existsSync(join(dir, 'kustomization.yaml'))) found.push(relative(repoRoot, dir));
    for (const entry of readdirSync(dir)) {
      const child = join(dir, entry);
      if (statSync(child).isDirectory()) walk(child);
    }
  };
  walk(root);
  return found.sort();
}

/** Every kustomization under k8s/, by role. Paths are relative to the repository root. */
export function kustomizations() {
  return {
    /** `k8s/base/<part>`: one per service, plus what they share. */
    bases: kustomizationDirs('k8s/base'),
    /** `k8s/components/<feature>`: optional features (kind: Component), each with a README. */
    components: kustomizationDirs('k8s/components'),
    /** `k8s/overlays/<env>` (the whole shop) and `k8s/overlays/<env>/<part>` (one deployable part). */
    overlays: kustomizationDirs('k8s/overlays'),
    /** `k8s/overlays/<env>`: what a cluster runs. */
    environments: kustomizationDirs('k8s/overlays').filter((dir) => dir.split('/').length === 3),
    /** Anything else that is a kustomization (Argo CD's objects). */
    others: kustomizationDirs('k8s').filter((dir) => !/^k8s\/(base|components|overlays)\//.test(dir)),
  };
}

/** The components a kustomization uses, directly or through the kustomizations it includes. */
export function componentsUsedBy(dir: string): string[] {
  const used = new Set<string>();
  const visit = (current: string) => {
    const file = repoPath(current, 'kustomization.yaml');
    if (!existsSync(file)) return;
    const kustomization = (parseAllDocuments(readFileSync(file, 'utf8'))[0]?.toJS() ?? {}) as {
      resources?: string[];
      components?: string[];
    };
    for (const component of kustomization.components ?? []) used.add(normalize(join(current, component)));
    for (const resource of kustomization.resources ?? []) {
      const path = normalize(join(current, resource));
      if (existsSync(repoPath(path)) && statSync(repoPath(path)).isDirectory()) visit(path);
    }
  };
  visit(dir);
  return [...used].sort();
}

function subsets<T>(items: T[]): T[][] {
  return items.reduce<T[][]>((all, item) => [...all, ...all.map((subset) => [...subset, item])], [[]]);
}

export interface Combination {
  /** e.g. `k8s/overlays/prod + k8s/components/external-secrets`. */
  name: string;
  /** The environment overlay it starts from (`k8s/overlays/dev`). */
  environment: string;
  /** Components added on top of it. */
  components: string[];
}

/**
 * Only for `skaffold dev`'s dev images (k8s/overlays/inner-loop), never a cluster's choice: left
 * out of the menu below, judged through those overlays instead.
 */
export const INNER_LOOP_COMPONENT = 'k8s/components/inner-loop';

/**
 * Every environment overlay with every combination of the components it does not use yet: the
 * menu a cluster can be served from. Cheap: nothing is rendered until `renderCombination`.
 */
export function environmentCombinations(): Combination[] {
  const { components, environments } = kustomizations();
  return environments.flatMap((environment) => {
    const used = componentsUsedBy(environment);
    const menu = components.filter((component) => !used.includes(component) && component !== INNER_LOOP_COMPONENT);
    return subsets(menu).map((extra) => ({
      name: [environment, ...extra].join(' + '),
      environment,
      components: extra,
    }));
  });
}

/** Renders a combination; the components' objects join the overlay's namespace. */
const combinationCache = new Map<string, K8sObject[]>();

export function renderCombination({ name, environment, components }: Combination): K8sObject[] {
  if (components.length === 0) return render(environment);
  const cached = combinationCache.get(name);
  if (cached) return cached;
  const namespace = render(environment).find((object) => object.kind === 'Namespace')?.metadata.name;
  const objects = renderWithComponents(environment, components, namespace);
  combinationCache.set(name, objects);
  return objects;
}
