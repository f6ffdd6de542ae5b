/**
 * `npm run pin-dev-images -- <commit>`: makes k8s/overlays/dev deploy the images CI built and
 * pushed from that commit of main (ghcr.io/myshop/<service>:<commit>), keeping the files'
 * comments. CI's main-branch job runs it once the images are pushed and commits the change;
 * Argo CD's myshop-dev then syncs it (docs/delivery.md, "GitOps").
 */
import { runCommand } from './cli.ts';
import { setImageEntry } from './images.ts';
import { repoPath, services } from './repo.ts';

/** CI tags every image with the full commit id (`github.sha`): nothing shorter is pushed. */
const COMMIT = /^[0-9a-f]{40}$/;

export function parseCommit(argument: string | undefined): string {
  if (argument === undefined || !COMMIT.test(argument))
    throw new Error(`not a full commit id (40 lower-case hex digits): ${argument ?? '(none)'}`);
  return argument;
}

/** Points every service of the dev overlay at `<image>:<commit>`; returns the files changed. */
export function pinDevImages(commit: string, overlaysDir = repoPath('k8s/overlays/dev'), only = services()): string[] {
  parseCommit(commit);
  return only.map((service) => {
    const file = `${overlaysDir}/${service}/kustomization.yaml`;
    setImageEntry(file, service, { newTag: commit, digest: undefined });
    return file;
  });
}

if (import.meta.main) {
  await runCommand('pin-dev-images', () => {
    const args = process.argv.slice(2);
    if (args.length !== 1) throw new Error('usage: npm run pin-dev-images -- <commit of main, 40 hex digits>');
    const commit = parseCommit(args[0]);
    for (const file of pinDevImages(commit)) process.stdout.write(`${file.replace(`${repoPath()}/`, '')}: ${commit}\n`);
  });
}
