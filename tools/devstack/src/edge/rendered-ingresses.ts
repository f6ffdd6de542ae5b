import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { IngressObject } from './ingress-nginx-config.ts';

/** The Ingress objects of `kubectl kustomize <root>/<overlay>`: what a cluster would be given. */
export function renderedIngresses(root: string, overlay: string): IngressObject[] {
  const output = execFileSync('kubectl', ['kustomize', join(root, overlay)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
  return parseAllDocuments(output)
    .map((document) => document.toJS() as IngressObject | null)
    .filter((object): object is IngressObject => object?.kind === 'Ingress');
}
