/**
 * The one name each service's image has everywhere: the base Deployments, the overlays' `images`
 * entries, skaffold.yaml, the workflows that build and push it (IMAGE_REPOSITORY in ci.yaml).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseDocument, type YAMLMap } from 'yaml';

/** Where CI pushes: GitHub's registry, under the organisation that owns the repository. */
export const IMAGE_REPOSITORY = 'ghcr.io/myshop';

export const imageName = (service: string): string => `${IMAGE_REPOSITORY}/${service}`;

/**
 * Sets fields of the `images` entry for `service` in a kustomization file, keeping its comments;
 * `undefined` removes a field (a digest left from an earlier pin, say).
 */
export function setImageEntry(file: string, service: string, fields: Record<string, string | undefined>): void {
  const document = parseDocument(readFileSync(file, 'utf8'));
  const images = document.get('images') as { items: YAMLMap[] } | undefined;
  const entry = images?.items.find((item) => item.get('name') === imageName(service));
  if (!entry) throw new Error(`${file} has no images entry for ${imageName(service)}`);
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) entry.delete(key);
    else entry.set(key, value);
  }
  writeFileSync(file, document.toString());
}
