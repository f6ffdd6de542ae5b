import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';

/** What runService sends its supervisor once it listens (see run-service.ts). */
export interface ListeningMessage {
  type: 'listening';
  port: number;
  metricsPort: number;
}

export interface ForkServiceOptions {
  /** How messages name the process (a replica's name, say); the entry point by default. */
  name?: string;
  env: NodeJS.ProcessEnv;
  execArgv?: string[];
  cwd?: string;
  /** Its own process group, so a terminal's Ctrl-C reaches only the supervisor. */
  detached?: boolean;
  /** Where stdout and stderr go: piped to `onLine` (default), or an open file descriptor. */
  output?: 'pipe' | number;
  onLine?: (line: string) => void;
  /** Aborted, the process is sent SIGTERM: how a supervisor stops a service that is still starting. */
  signal?: AbortSignal;
}

export interface ForkedService {
  child: ChildProcess;
  port: number;
  metricsPort: number;
  /** Sends the signal (SIGTERM, as the kubelet does) and resolves with the exit code once it exited. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts a service entry point as its own process and resolves once it reports where it
 * listens (ports may be chosen by the OS); rejects, with the last lines it printed, if it exits
 * first (a bad config, a taken port). The supervisor half of runService's IPC protocol.
 */
export async function forkService(entry: string, options: ForkServiceOptions): Promise<ForkedService> {
  const output = options.output ?? 'pipe';
  const child = fork(entry, [], {
    cwd: options.cwd,
    detached: options.detached,
    env: options.env,
    execArgv: options.execArgv ?? [],
    stdio: ['ignore', output, output, 'ipc'],
    signal: options.signal,
  });
  const recent: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream }).on('line', (line) => {
      recent.push(line);
      if (recent.length > 20) recent.shift();
      options.onLine?.(line);
    });
  }
  const message = await new Promise<ListeningMessage>((resolve, reject) => {
    // An abort is an 'error' event (unheard, it would throw) ahead of the exit that rejects below;
    // a spawn that failed has no process to exit.
    child.on('error', (error) => {
      if (child.pid === undefined) reject(error);
    });
    child.on('message', (received: Partial<ListeningMessage>) => {
      if (received?.type === 'listening') resolve(received as ListeningMessage);
    });
    child.once('exit', (code, signal) =>
      reject(
        new Error(
          `${options.name ?? entry} exited during start-up (${signal ?? `code ${code}`})${recent.length ? `:\n${recent.join('\n')}` : ''}`,
        ),
      ),
    );
  });
  return {
    child,
    port: message.port,
    metricsPort: message.metricsPort,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
      child.kill(signal);
      const [code] = await exited;
      return code;
    },
  };
}

/**
 * A service's entry point found through its package (a dependency of the caller), never by a
 * path into another project: `src/server.ts` as `npm start` runs it, `dist/server.js` as the
 * images do.
 */
export function serviceEntry(
  packageName: string,
  { compiled = false, from = process.cwd() }: { compiled?: boolean; from?: string } = {},
): string {
  const root = dirname(createRequire(join(from, 'noop.js')).resolve(`${packageName}/package.json`));
  return join(root, compiled ? 'dist/server.js' : 'src/server.ts');
}
