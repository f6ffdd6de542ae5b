/**
 * `npm run pin-prod-images -- <service>=<registry>/<name>:<tag>@<digest> …`: pins the images that
 * k8s/overlays/prod/<service> deploys (its kustomization's `images` entry for ghcr.io/myshop/<service>),
 * keeping the file's comments. The release workflow runs it; a pull request carries the change.
 * It pins nothing while the prod overlay still holds a placeholder (releaseProblems).
 */
import { placeholderAddressProblems } from './addresses.ts';
import { runCommand } from './cli.ts';
import { imageName, setImageEntry } from './images.ts';
import { render } from './kustomize.ts';
import { repoPath } from './repo.ts';

export interface Pin {
  service: string;
  name: string;
  tag: string;
  digest: string;
}

export function parsePin(argument: string): Pin {
  const match = /^([a-z0-9-]+)=([^:@\s]+(?::\d+)?\/[^:@\s]+):([\w][\w.-]{0,127})@(sha256:[0-9a-f]{64})$/.exec(argument);
  if (!match) throw new Error(`not <service>=<registry>/<name>:<tag>@sha256:<digest>: ${argument}`);
  return { service: match[1]!, name: match[2]!, tag: match[3]!, digest: match[4]! };
}

export function pinProdImage(pin: Pin, overlaysDir = repoPath('k8s/overlays/prod')): void {
  // One name per service: a pin may move the tag and digest, never the name.
  if (pin.name !== imageName(pin.service)) throw new Error(`${pin.service} is ${imageName(pin.service)}, not ${pin.name}`);
  setImageEntry(`${overlaysDir}/${pin.service}/kustomization.yaml`, pin.service, { newTag: pin.tag, digest: pin.digest });
}

/**
 * What the prod overlay must settle before a release: a value left for the operator to set. The
 * managed database's address is one (k8s/overlays/prod/platform/database-egress.patch.yaml).
 */
export function releaseProblems(overlaysDir = repoPath('k8s/overlays/prod')): string[] {
  return placeholderAddressProblems(render(overlaysDir));
}

/** Pins every image, or none when the prod overlay is not ready for production. */
export function pinProdImages(pins: Pin[], overlaysDir = repoPath('k8s/overlays/prod')): void {
  const problems = releaseProblems(overlaysDir);
  if (problems.length > 0) {
    throw new Error(
      `k8s/overlays/prod is not ready for production, no image pinned (k8s/README.md, "The database"):\n${problems.map((problem) => `  - ${problem}`).join('\n')}`,
    );
  }
  for (const pin of pins) pinProdImage(pin, overlaysDir);
}

if (import.meta.main) {
  await runCommand('pin-prod-images', () => {
    const pins = process.argv.slice(2).map(parsePin);
    if (pins.length === 0) throw new Error('usage: npm run pin-prod-images -- <service>=<registry>/<name>:<tag>@<digest> …');
    pinProdImages(pins);
    for (const pin of pins) process.stdout.write(`k8s/overlays/prod/${pin.service}: ${pin.name}:${pin.tag}@${pin.digest}\n`);
  });
}
