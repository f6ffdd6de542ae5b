import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { onTestFinished } from 'vitest';

/** Where a service listens, as runService reports it to the process that forked it. */
export interface ListeningOrigins {
  origin: string;
  metricsOrigin: string;
}

export interface EntryPointProcess {
  child: ChildProcess;
  /** Everything it printed so far, stdout and stderr in the order they came. */
  output: () => string;
  exit: Promise<[number | null, NodeJS.Signals | null]>;
  /** Settles once it reports where it listens; never, if it exits first. */
  listening: Promise<ListeningOrigins>;
}

/**
 * Runs a service's entry point (server, migrate) as its own process, the way npm start and
 * Kubernetes do: from its TypeScript sources, on 127.0.0.1 with ports the OS chooses, with no
 * environment but PATH and `env`. Killed when the current test finishes, if still running.
 */
export function runEntryPoint(entry: string | URL, env: Record<string, string>): EntryPointProcess {
  const child = fork(entry instanceof URL ? fileURLToPath(entry) : entry, [], {
    execArgv: ['--conditions=@myshop/source'],
    env: { PATH: process.env.PATH, HOST: '127.0.0.1', PORT: '0', METRICS_HOST: '127.0.0.1', METRICS_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const exit = once(child, 'exit') as EntryPointProcess['exit'];
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const listening = once(child, 'message').then(([message]) => {
    const { port, metricsPort } = message as { port: number; metricsPort: number };
    return { origin: `http://127.0.0.1:${port}`, metricsOrigin: `http://127.0.0.1:${metricsPort}` };
  });
  return { child, output: () => output, exit, listening };
}
