import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { repoRoot } from './observability-files.ts';

export interface ServiceProcess {
  service: string;
  url: string;
  metricsUrl: string;
  pid: number;
  /** Every line the service wrote (stdout and stderr). */
  lines: string[];
  /** Resident set size now, from /proc (bytes). */
  rss(): number;
  stop(): Promise<void>;
}

const TELEMETRY_PRELOAD = import.meta.resolve('@myshop/telemetry/preload');

/**
 * One service as its own process, started from its server.ts the way `npm start` and the images
 * start it (telemetry preload first), reporting where it listens over IPC (runService does).
 * Nothing is imported from the app: tools only speak to services over HTTP.
 */
export async function startServiceProcess(
  service: string,
  env: Record<string, string>,
  options: { logFile?: string; execArgv?: string[]; compiled?: boolean } = {},
): Promise<ServiceProcess> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('OTEL_')));
  // A log file is what a container runtime gives stdout; without one the lines are kept here.
  const output = options.logFile ? openSync(options.logFile, 'a') : 'pipe';
  // Compiled: what the image runs (`npm run build` first), the preload resolved the same way.
  const entry = options.compiled ? join(repoRoot, 'apps', service, 'dist', 'server.js') : join(repoRoot, 'apps', service, 'src', 'server.ts');
  const preload = options.compiled ? ['--import', '@myshop/telemetry/preload'] : ['--conditions=@myshop/source', '--import', TELEMETRY_PRELOAD];
  const child: ChildProcess = fork(entry, [], {
    cwd: repoRoot,
    execArgv: [...preload, ...(options.execArgv ?? [])],
    env: { ...clean, NODE_ENV: 'development', HOST: '127.0.0.1', PORT: '0', METRICS_HOST: '127.0.0.1', METRICS_PORT: '0', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', output, output, 'ipc'],
  });
  if (typeof output === 'number') closeSync(output);
  const lines: string[] = [];
  for (const stream of [child.stdout, child.stderr]) if (stream) createInterface({ input: stream }).on('line', (line) => lines.push(line));
  const message = await new Promise<{ port: number; metricsPort: number }>((resolve, reject) => {
    child.on('message', (received: { type?: string; port: number; metricsPort: number }) => received?.type === 'listening' && resolve(received));
    child.once('exit', (code, signal) => {
      const output = options.logFile ? readFileSync(options.logFile, 'utf8').split('\n') : lines;
      reject(new Error(`${service} exited during start-up (${signal ?? `code ${code}`}):\n${output.slice(-20).join('\n')}`));
    });
  });
  return {
    service,
    url: `http://127.0.0.1:${message.port}`,
    metricsUrl: `http://127.0.0.1:${message.metricsPort}/metrics`,
    pid: child.pid!,
    lines,
    rss: () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0) * 1024,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}
