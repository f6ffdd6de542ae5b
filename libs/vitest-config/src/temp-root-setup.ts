/**
 * Vitest global setup of every project: one temporary folder per test run, removed when the run
 * ends, by its teardown or, after a Ctrl-C (which skips teardowns), as vitest exits. Tests make
 * throw-away folders in tmpdir() (a DATA_DIR per app, keys, clusters), hundreds a run; pointing
 * TMPDIR here, before any worker starts, takes every one of them away at once instead of leaving
 * them in /tmp run after run.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const outer = process.env.TMPDIR;
  const root = mkdtempSync(join(tmpdir(), 'myshop-test-run-'));
  // Others may pass through, not list: as root, PostgreSQL runs as its own user, and a test that
  // starts a cluster of its own in here would otherwise see it moved under /var/tmp for good.
  chmodSync(root, 0o711);
  const remove = () => rmSync(root, { recursive: true, force: true });
  process.once('exit', remove);
  process.env.TMPDIR = root;
  return () => {
    if (outer === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = outer;
    process.off('exit', remove);
    remove();
  };
}
