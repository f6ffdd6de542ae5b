import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { render as renderKustomization, type K8sObject as RenderedObject } from '@myshop/release';
import { repoRoot } from '../src/observability-files.ts';

/** A rendered object with the two fields these tests read typed loosely, the rest as rendered. */
export type K8sObject = RenderedObject & { spec?: Record<string, unknown>; data?: Record<string, string> };

/** `kubectl kustomize <dir>`, parsed (@myshop/release's renderer, which names kubectl when it is missing). */
export const render = (dir: string): K8sObject[] => renderKustomization(dir) as K8sObject[];

/** `kubectl kustomize` of an environment overlay with extra components, in the overlay's namespace. */
export function renderWith(overlay: string, components: string[], namespace: string): K8sObject[] {
  const dir = mkdtempSync(join(tmpdir(), 'myshop-observability-'));
  try {
    const kustomization = [
      'apiVersion: kustomize.config.k8s.io/v1beta1',
      'kind: Kustomization',
      `namespace: ${namespace}`,
      'resources:',
      `  - ${relative(dir, join(repoRoot, overlay))}`,
      'components:',
      ...components.map((component) => `  - ${relative(dir, join(repoRoot, component))}`),
    ];
    writeFileSync(join(dir, 'kustomization.yaml'), `${kustomization.join('\n')}\n`);
    // A throw-away directory: nothing to keep for a next call.
    return renderKustomization(dir, { cache: false }) as K8sObject[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
