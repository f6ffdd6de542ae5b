import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../observability-files.ts';
import { SERVICES } from './services.ts';

/**
 * Builds the services the way their images are built (`nx build`, the libraries they use
 * included), so that the bench measures the code that ships, not code that was built some time
 * before. Nx replays a build whose inputs have not changed from its cache: a second bench does
 * not build again. Nx's output goes to stderr with the bench's progress; stdout keeps the report.
 */
export function buildServices(say: (message: string) => void): void {
  say(`building ${SERVICES.join(', ')} as the images do (nx build)`);
  execFileSync(join(repoRoot, 'node_modules/.bin/nx'), ['run-many', '-t', 'build', '-p', ...SERVICES, '--output-style=static'], {
    cwd: repoRoot,
    stdio: ['ignore', 2, 2],
  });
}
