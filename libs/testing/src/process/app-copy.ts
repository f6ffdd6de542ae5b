import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { onTestFinished } from 'vitest';

/**
 * A copy of an app (its package.json, sources, migrations and data) under a folder named
 * `my shop`, as a clone may be (`git clone … "~/my shop"`), with the workspace's `node_modules`
 * beside it so that it runs as the original does. A path read from a file URL's `pathname`
 * (`my%20shop`) names no folder there. Removed when the current test finishes.
 *
 * `appDir`: the app's folder, e.g. `new URL('..', import.meta.url)` from its `test/`.
 * Returns the copy's folder.
 */
export function copyAppUnderSpacedFolder(appDir: URL): string {
  const root = mkdtempSync(join(tmpdir(), 'myshop-clone-'));
  onTestFinished(() => rmSync(root, { recursive: true, force: true }));
  const from = fileURLToPath(appDir);
  const clone = join(root, 'my shop');
  const to = join(clone, 'apps', basename(from));
  for (const entry of ['package.json', 'src', 'migrations', 'data']) {
    if (existsSync(join(from, entry))) cpSync(join(from, entry), join(to, entry), { recursive: true });
  }
  symlinkSync(fileURLToPath(new URL('../../node_modules', appDir)), join(clone, 'node_modules'), 'dir');
  return to;
}
