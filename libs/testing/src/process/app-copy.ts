import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, onTestFinished } from 'vitest';
import { createTestDatabase } from '../database/test-database.ts';
import { runEntryPoint } from './run-entry-point.ts';

/** A folder name a clone may have, which a file URL's `pathname` spells otherwise (`my%20sh%C3%B6p`). */
const CLONE_FOLDER = 'my shöp';

/**
 * A copy of an app (its package.json, sources, migrations and data) under a folder named
 * `my shöp`, as a clone may be (`git clone … "~/my shöp"`), with the workspace's `node_modules`
 * beside it so that it runs as the original does. Removed when the current test finishes.
 *
 * `appDir`: the app's folder, e.g. `new URL('..', import.meta.url)` from its `test/`.
 * Returns the copy's folder.
 */
export function copyAppUnderOddlyNamedFolder(appDir: URL): string {
  const root = mkdtempSync(join(tmpdir(), 'myshop-clone-'));
  onTestFinished(() => rmSync(root, { recursive: true, force: true }));
  const from = fileURLToPath(appDir);
  const clone = join(root, CLONE_FOLDER);
  const to = join(clone, 'apps', basename(from));
  for (const entry of ['package.json', 'src', 'migrations', 'data']) {
    if (existsSync(join(from, entry))) cpSync(join(from, entry), join(to, entry), { recursive: true });
  }
  symlinkSync(fileURLToPath(new URL('../../node_modules', appDir)), join(clone, 'node_modules'), 'dir');
  return to;
}

/**
 * Starts the app's server from such a copy on a fresh test database, and checks that it applies
 * its migrations, becomes ready, and exits 0 on SIGTERM: what `npm start` asks of it from a clone
 * in a folder whose name has a space or a letter outside ASCII.
 */
export async function expectServesFromOddlyNamedFolder(appDir: URL, env: Record<string, string> = {}): Promise<void> {
  const database = await createTestDatabase();
  onTestFinished(() => database.drop());
  const copy = copyAppUnderOddlyNamedFolder(appDir);

  const server = runEntryPoint(join(copy, 'src/server.ts'), { DATABASE_URL: database.url, DATA_DIR: join(copy, '.data'), ...env });
  const { origin } = await Promise.race([server.listening, server.exit.then(() => Promise.reject(new Error(server.output())))]);
  expect((await fetch(`${origin}/readyz`)).status).toBe(200);
  expect((await database.query('SELECT name FROM schema_migrations')).length).toBeGreaterThan(0);
  server.child.kill('SIGTERM');
  expect((await server.exit)[0]).toBe(0);
}
