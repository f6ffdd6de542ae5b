import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { repoRoot } from './observability-files.ts';

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
}

/** `kubectl kustomize` of an environment overlay with extra components, in the overlay's namespace. */
export function renderWith(overlay: string, components: string[], namespace: string): K8sObject[] {
  const dir = mkdtempSync(join(tmpdir(), 'myshop-observability-'));
  try {
    const lines = [
      'apiVersion: kustomize.config.k8s.io/v1beta1',
      'kind: Kustomization',
      `namespace: ${namespace}`,
      'resources:',
      `  - ${relative(dir, join(repoRoot, overlay))}`,
      'components:',
    ];
    lines.push(...components.map((component) => `  - ${relative(dir, join(repoRoot, component))}`));
    writeFileSync(join(dir, 'kustomization.yaml'), `${lines.join('\n')}\n`);
    return render(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * `kubectl kustomize <dir>`, parsed. Throws when kubectl is missing: a test that calls it skips
 * without kubectl (`requiredTool('kubectl', KUBECTL_INSTALL)`, KUBECTL_INSTALL from @myshop/release).
 */
export function render(dir: string): K8sObject[] {
  let output: string;
  try {
    output = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new Error(
        'kubectl is required to render the manifests (kubectl kustomize) and was not found on PATH. ' +
          'Install kubectl 1.32 or newer: see README.md, "Test one service".',
      );
    throw new Error(`kubectl kustomize ${dir} failed: ${String((error as { stderr?: unknown }).stderr ?? (error as Error).message)}`);
  }
  return parseAllDocuments(output)
    .map((document) => document.toJS() as K8sObject)
    .filter(Boolean);
}
