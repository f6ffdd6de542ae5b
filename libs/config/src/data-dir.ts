import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * DATA_DIR as an absolute path, a relative one taken from the root of the clone (the npm
 * workspace root). npm runs a workspace's script (`npm start -w apps/cart`, `npm run migrate -w
 * apps/cart`) in that workspace's folder: read from there, each service would keep a `.data` of
 * its own beside its sources, apart from the `.data/<service>` that `npm start` runs (another
 * embedded database) and from the development secrets the services share there (cart's client
 * secret, which the user service must hold too). Outside a workspace, from the working directory.
 */
export function resolveDataDir(dataDir: string, cwd: string = process.cwd()): string {
  return resolve(workspaceRoot(cwd) ?? cwd, dataDir);
}

/** The nearest folder at or above `from` whose package.json lists workspaces. */
function workspaceRoot(from: string): string | undefined {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    if (listsWorkspaces(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

function listsWorkspaces(manifest: string): boolean {
  try {
    return (JSON.parse(readFileSync(manifest, 'utf8')) as { workspaces?: unknown }).workspaces !== undefined;
  } catch {
    return false;
  }
}
