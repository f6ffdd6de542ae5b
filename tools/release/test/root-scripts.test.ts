/**
 * The release commands as the workflows run them: `npm run <script>` right after `npm ci`, with no
 * build. Each is started as npm starts it, in a tree where no workspace package's dist/ can be
 * loaded (test/fixtures/no-build-output.mjs), with arguments it refuses before doing anything, so
 * its own usage line shows that every module it needs was found.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../src/repo.ts';

const scripts = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
// As a file URL: NODE_OPTIONS splits on white space, and a clone's path may have a space in it.
const noBuildOutput = pathToFileURL(join(import.meta.dirname, 'fixtures', 'no-build-output.mjs')).href;

describe('the release commands after npm ci, with nothing built', () => {
  it.each([
    ['journey', '--no-such-option', /usage: npm run journey/],
    ['pin-dev-images', 'not-a-commit', /pin-dev-images: not a full commit id/],
    ['pin-prod-images', 'not-a-pin', /pin-prod-images: not <service>=/],
    ['images', 'no-such-service', /images: no service no-such-service; the services are cart, payment, user\nusage: npm run images/],
  ])('npm run %s starts and answers a bad argument itself', (name, argument, answer) => {
    const run = runScript(name, argument);
    const output = `${run.stdout}${run.stderr}`;
    expect(output).not.toContain('ERR_MODULE_NOT_FOUND');
    expect(output).toMatch(answer);
    expect(run.status).not.toBe(0);
  });

  it('npm run images without a Docker engine says so in one line, not a stack trace', () => {
    const run = runScript('images', '', { DOCKER: '/nonexistent/docker' });
    expect(run.stderr).toBe(
      'images: no running Docker engine (/nonexistent/docker: spawnSync /nonexistent/docker ENOENT); building the images ' +
        'needs one. Start one (`sudo systemctl start docker`, or Docker Desktop; CI starts its own) and run the command again.\n',
    );
    expect(run.stdout).toBe('');
    expect(run.status).toBe(1);
  });
});

function runScript(name: string, argument: string, env: Record<string, string> = {}) {
  return spawnSync('sh', ['-c', `${scripts[name]} ${argument}`], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 60_000,
    env: {
      ...process.env,
      PATH: `${join(repoRoot, 'node_modules/.bin')}:${process.env.PATH}`,
      NODE_OPTIONS: `--import=${noBuildOutput}`,
      ...env,
    },
  });
}
