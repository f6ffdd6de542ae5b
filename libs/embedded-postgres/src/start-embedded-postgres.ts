import { fork } from 'node:child_process';
import { extname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KeeperCommand, KeeperMessage, KeeperReply, KeeperRequest } from './protocol.ts';

export interface EmbeddedPostgresOptions {
  dataDir: string;
  database: string;
  durable?: boolean;
  /** A port to try first (default: one the system picks); taken, another is chosen. */
  port?: number;
  log?: (message: string) => void;
  /**
   * A folder the keeper removes once PostgreSQL has stopped, or could not start: a throw-away
   * cluster's. The keeper outlives what started it, so the folder goes even when that process
   * never gets to clean up (Ctrl-C in a test run, a crash, SIGKILL).
   */
  removeWhenStopped?: string;
}

export interface EmbeddedPostgresHandle {
  url: string;
  /** The keeper process, whose child the PostgreSQL server is: its process tree is the database's (CPU, memory). */
  keeperPid: number;
  stop(): Promise<void>;
  /** Stops PostgreSQL, keeping its data and the keeper: a database outage, for tests. */
  stopServer(): Promise<void>;
  /** Starts it again after `stopServer`, on the same port. */
  startServer(): Promise<void>;
}

// Source (.ts) under Node's type stripping, compiled (.js) in images: the keeper sits beside us.
const keeperPath = fileURLToPath(new URL(`./keeper${extname(fileURLToPath(import.meta.url))}`, import.meta.url));

/** Starts (initialising on first use) a PostgreSQL cluster under `dataDir` in a keeper process. */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  const started = Date.now();
  const keeper = fork(keeperPath, [], {
    detached: true,
    execArgv: [],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const request: KeeperRequest = {
    dataDir: resolve(options.dataDir),
    database: options.database,
    durable: options.durable ?? true,
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(options.removeWhenStopped === undefined ? {} : { removeWhenStopped: resolve(options.removeWhenStopped) }),
  };
  keeper.send(request);

  const ready = await new Promise<Extract<KeeperMessage, { type: 'ready' }>>((resolvePromise, reject) => {
    keeper.once('message', (message: KeeperMessage) =>
      message.type === 'ready' ? resolvePromise(message) : reject(new Error(message.message)),
    );
    keeper.once('exit', (code) => reject(new Error(`embedded PostgreSQL keeper exited with code ${code}`)));
  });
  // The keeper must not keep this process alive, nor be kept alive by it.
  keeper.unref();
  keeper.channel?.unref();
  const moved = ready.notes.length > 0 ? ` ${ready.notes.join('; ')}` : '';
  options.log?.(`embedded PostgreSQL ready in ${Date.now() - started} ms (data in ${ready.dataDir}${moved})`);

  /** Sends a command and waits for its answer, keeping this process alive meanwhile. */
  const control = (command: Exclude<KeeperCommand, 'stop'>, done: KeeperReply['type']) =>
    new Promise<void>((resolvePromise, reject) => {
      if (keeper.exitCode !== null || !keeper.connected) return reject(new Error('embedded PostgreSQL keeper is not running'));
      const finish = (error?: Error) => {
        keeper.off('message', onMessage);
        keeper.off('exit', onExit);
        keeper.unref();
        keeper.channel?.unref();
        if (error) reject(error);
        else resolvePromise();
      };
      const onMessage = (message: KeeperReply) => {
        if (message.type === done) finish();
        else if (message.type === 'server-failed') finish(new Error(`embedded PostgreSQL: ${command} failed: ${message.message}`));
      };
      const onExit = (code: number | null) => finish(new Error(`embedded PostgreSQL keeper exited with code ${code}`));
      keeper.ref();
      keeper.channel?.ref();
      keeper.on('message', onMessage);
      keeper.once('exit', onExit);
      keeper.send(command);
    });

  const user = encodeURIComponent(ready.user);
  const password = encodeURIComponent(ready.password);
  return {
    url: `postgres://${user}:${password}@127.0.0.1:${ready.port}/${encodeURIComponent(options.database)}`,
    keeperPid: keeper.pid!,
    stop: () =>
      new Promise<void>((resolvePromise) => {
        if (keeper.exitCode !== null || !keeper.connected) return resolvePromise();
        keeper.ref();
        keeper.once('exit', () => resolvePromise());
        keeper.send('stop' satisfies KeeperCommand);
      }),
    stopServer: () => control('stop-server', 'server-stopped'),
    startServer: () => control('start-server', 'server-started'),
  };
}
