import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { startEmbeddedPostgres } from '../src/index.ts';

async function query(url: string, text: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

function tempDataDir(): string {
  const dataDir = mkdtempSync(join(tmpdir(), 'myshop-embedded-'));
  // As root, PostgreSQL runs as its own user and must get through.
  chmodSync(dataDir, 0o755);
  onTestFinished(() => rmSync(dataDir, { recursive: true, force: true }));
  return join(dataDir, 'cluster');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('startEmbeddedPostgres', () => {
  it('creates the cluster and the database on first use and keeps the data across restarts', async () => {
    const dataDir = tempDataDir();
    const first = await startEmbeddedPostgres({ dataDir, database: 'shop' });
    expect(new URL(first.url).pathname).toBe('/shop');
    // Below the ports outgoing connections are given, so none of them can take it.
    expect(Number(new URL(first.url).port)).toBeLessThan(32_768);
    await query(first.url, "CREATE TABLE kept (note text); INSERT INTO kept VALUES ('survives a restart')");
    await first.stop();
    await expect(query(first.url, 'SELECT 1')).rejects.toMatchObject({ code: 'ECONNREFUSED' });

    const second = await startEmbeddedPostgres({ dataDir, database: 'shop' });
    onTestFinished(() => second.stop());
    expect(await query(second.url, 'SELECT note FROM kept')).toEqual([{ note: 'survives a restart' }]);
  });

  it('makes a UTF-8 cluster whatever the locale of whoever starts it', async () => {
    // `su - someone`, a container, cron: the POSIX locale, under which initdb alone picks
    // SQL_ASCII, where length() counts bytes and a 200-character name in Ü breaks a CHECK.
    vi.stubEnv('LANG', '');
    vi.stubEnv('LC_ALL', 'POSIX');
    onTestFinished(() => void vi.unstubAllEnvs());
    const server = await startEmbeddedPostgres({ dataDir: tempDataDir(), database: 'letters', durable: false });
    onTestFinished(() => server.stop());
    expect(
      await query(
        server.url,
        "SELECT current_setting('server_encoding') AS encoding, length('Ü') AS length, lower('ÜÉ') AS lower, 'B' < 'a' AS code_point_order",
      ),
    ).toEqual([{ encoding: 'UTF8', length: 1, lower: 'üé', code_point_order: true }]);
  });

  it('starts on another port when its port is taken before PostgreSQL binds it', async () => {
    // A port held by another process between the keeper's choice and PostgreSQL's bind (an
    // outgoing connection's local port, a server starting beside it): asked for here.
    const holder = createServer();
    await new Promise<void>((listening) => holder.listen(0, '127.0.0.1', listening));
    onTestFinished(() => void holder.close());
    const taken = (holder.address() as AddressInfo).port;
    const server = await startEmbeddedPostgres({ dataDir: tempDataDir(), database: 'moved', durable: false, port: taken });
    onTestFinished(() => server.stop());
    expect(Number(new URL(server.url).port)).not.toBe(taken);
    expect(await query(server.url, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });

  it('stops the server on request and starts it again on the same port with its data (an outage for tests)', async () => {
    const server = await startEmbeddedPostgres({ dataDir: tempDataDir(), database: 'outage', durable: false });
    onTestFinished(() => server.stop());
    await query(server.url, "CREATE TABLE kept (note text); INSERT INTO kept VALUES ('survives an outage')");
    await server.stopServer();
    await expect(query(server.url, 'SELECT 1')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await server.startServer();
    expect(await query(server.url, 'SELECT note FROM kept')).toEqual([{ note: 'survives an outage' }]);
  });

  it('removes a throw-away folder with its cluster once PostgreSQL has stopped', async () => {
    const cluster = tempDataDir();
    const folder = join(cluster, '..');
    const server = await startEmbeddedPostgres({ dataDir: cluster, database: 'gone', durable: false, removeWhenStopped: folder });
    expect(existsSync(join(cluster, 'PG_VERSION'))).toBe(true);
    await server.stop();
    expect(existsSync(folder)).toBe(false);
  });

  it('takes over a cluster whose previous keeper was killed, leaving its postmaster behind', async () => {
    const dataDir = tempDataDir();
    const first = await startEmbeddedPostgres({ dataDir, database: 'orphan', durable: false });
    await query(first.url, 'CREATE TABLE kept (id int)');
    const postmaster = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    // The keeper is the postmaster's parent. Killing it leaves what a SIGKILL of a whole
    // supervisor leaves: a postmaster nobody will stop.
    const keeper = Number(readFileSync(`/proc/${postmaster}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
    // The handle names it: its process tree is the database's.
    expect(first.keeperPid).toBe(keeper);
    process.kill(keeper, 'SIGKILL');
    expect(isAlive(postmaster)).toBe(true);

    const second = await startEmbeddedPostgres({ dataDir, database: 'orphan', durable: false });
    onTestFinished(() => second.stop());
    expect(isAlive(postmaster)).toBe(false);
    expect(await query(second.url, "SELECT to_regclass('public.kept') IS NOT NULL AS kept")).toEqual([{ kept: true }]);
  });

  it('stops at once when its PostgreSQL has died already (killed, out of memory)', async () => {
    const dataDir = tempDataDir();
    const server = await startEmbeddedPostgres({ dataDir, database: 'died', durable: false });
    const postmaster = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    process.kill(postmaster, 'SIGKILL');
    while (isAlive(postmaster)) await new Promise((resolve) => setTimeout(resolve, 50));

    const stopped = server.stop().then(() => 'stopped');
    const timeout = new Promise((resolve) => setTimeout(resolve, 10_000, 'still stopping after 10 s'));
    expect(await Promise.race([stopped, timeout])).toBe('stopped');
    expect(isAlive(server.keeperPid)).toBe(false);
  });

  it('refuses a cluster another keeper runs (a second npm start of the same clone), leaving it serving', async () => {
    const dataDir = tempDataDir();
    const first = await startEmbeddedPostgres({ dataDir, database: 'shared', durable: false });
    onTestFinished(() => first.stop());

    const second = startEmbeddedPostgres({ dataDir, database: 'shared', durable: false });
    await expect(second).rejects.toThrow(`${dataDir} is in use by another embedded PostgreSQL keeper (PID ${first.keeperPid})`);
    expect(await query(first.url, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });

  it('takes a cluster over from a keeper whose server is stopping already', async () => {
    const dataDir = tempDataDir();
    const first = await startEmbeddedPostgres({ dataDir, database: 'handover', durable: false });
    onTestFinished(() => first.stop());
    await query(first.url, 'CREATE TABLE kept (id int)');
    // A session still open keeps a smart shutdown (SIGTERM) stopping: the window in which a
    // keeper letting go of its cluster still runs it.
    const lingering = new pg.Client({ connectionString: first.url });
    lingering.on('error', () => undefined);
    await lingering.connect();
    onTestFinished(() => lingering.end().catch(() => undefined));
    const pidFile = join(dataDir, 'postmaster.pid');
    process.kill(Number(readFileSync(pidFile, 'utf8').split('\n')[0]), 'SIGTERM');
    while (readFileSync(pidFile, 'utf8').split('\n')[7]?.trim() !== 'stopping') await new Promise((resolve) => setTimeout(resolve, 50));

    const second = await startEmbeddedPostgres({ dataDir, database: 'handover', durable: false });
    onTestFinished(() => second.stop());
    expect(await query(second.url, "SELECT to_regclass('public.kept') IS NOT NULL AS kept")).toEqual([{ kept: true }]);
  });

  it("leaves alone a live process that took over a dead postmaster's PID, and starts anyway", async () => {
    const dataDir = tempDataDir();
    const first = await startEmbeddedPostgres({ dataDir, database: 'reused', durable: false });
    await query(first.url, 'CREATE TABLE kept (id int)');
    const pidFile = join(dataDir, 'postmaster.pid');
    const lockFile = readFileSync(pidFile, 'utf8');
    await first.stop();
    // What a postmaster killed with its keeper leaves: its lock file, naming a PID the system
    // has given to some other process since (here a sleeping child of the test).
    const bystander = spawn('sleep', ['60'], { stdio: 'ignore' });
    onTestFinished(() => void bystander.kill('SIGKILL'));
    writeFileSync(pidFile, lockFile.replace(/^\d+/, String(bystander.pid)));

    const second = await startEmbeddedPostgres({ dataDir, database: 'reused', durable: false });
    onTestFinished(() => second.stop());
    expect(isAlive(bystander.pid!)).toBe(true);
    expect(await query(second.url, "SELECT to_regclass('public.kept') IS NOT NULL AS kept")).toEqual([{ kept: true }]);
  });

  it('says why PostgreSQL would not start, from its own log, in the first line', async () => {
    const dataDir = tempDataDir();
    mkdirSync(dataDir);
    // A data directory of another major version: PostgreSQL refuses it and exits.
    writeFileSync(join(dataDir, 'PG_VERSION'), '9.6\n');
    const failure = await startEmbeddedPostgres({ dataDir, database: 'never' }).catch((error: Error) => error);
    expect((failure as Error).message.split('\n')[0]).toMatch(/^embedded PostgreSQL did not start: .*postgresql\.conf/);
  });
});
