import { execFileSync } from 'node:child_process';
import { relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { repoPath, repoRoot } from './repo.ts';

/** A rendered Kubernetes object: typed as far as every object goes, the rest is per kind. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: unknown;
}

/**
 * The one line that installs kubectl. A test that renders names it when kubectl is missing:
 * `requiredTool('kubectl', KUBECTL_INSTALL)` (@myshop/testing), then `it.skipIf(!kubectl.path)`
 * or `describe.skipIf(!kubectl.path)` with `${kubectl.skipNote}` in the name.
 */
export const KUBECTL_INSTALL =
  'kubectl ≥ 1.32 from https://kubernetes.io/docs/tasks/tools/ (Debian: apt-get install -y kubectl from pkgs.k8s.io)';

const KUBECTL_MISSING =
  'kubectl is required to render the manifests (kubectl kustomize: 1.32 or newer bundles kustomize 5), and was not found on PATH. Install ' +
  `${KUBECTL_INSTALL}. See README.md, "Test one service", or docs/kubernetes.md, "Prerequisites".`;

let kubectlChecked = false;

/**
 * Fails with one clear message when kubectl is missing. A test that renders is skipped by name
 * without kubectl (KUBECTL_INSTALL), so from a test this means one that renders unguarded.
 */
export function assertKubectl(): void {
  if (kubectlChecked) return;
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'pipe' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(KUBECTL_MISSING);
    throw error;
  }
  kubectlChecked = true;
}

const cache = new Map<string, K8sObject[]>();

/**
 * `kubectl kustomize <dir>` (offline), parsed. `dir` is absolute or relative to the repository.
 * Kept for the next call unless `cache` is false (a throw-away directory).
 */
export function render(dir: string, { cache: keep = true }: { cache?: boolean } = {}): K8sObject[] {
  const absolute = dir.startsWith('/') ? dir : repoPath(dir);
  const cached = cache.get(absolute);
  if (cached) return cached;
  assertKubectl();
  let output: string;
  try {
    output = execFileSync('kubectl', ['kustomize', absolute], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? '').trim();
    throw new Error(`kubectl kustomize ${relative(repoRoot, absolute) || absolute} failed: ${stderr || (error as Error).message}`);
  }
  const objects = parseAllDocuments(output)
    .map((document) => document.toJS() as K8sObject | null)
    .filter((object): object is K8sObject => object !== null);
  if (keep) cache.set(absolute, objects);
  return objects;
}
