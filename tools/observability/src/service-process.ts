import { closeSync, openSync, readFileSync } from 'node:fs';
import { forkService, serviceEntry } from '@myshop/server';
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
  // Lines go to a file, where a container runtime's log driver ends up writing them (through a
  // pipe it drains); without one they are kept here.
  const output = options.logFile ? openSync(options.logFile, 'a') : 'pipe';
  // Compiled: what the image runs (`npm run build` first), the preload resolved the same way.
  const preload = options.compiled
    ? ['--import', '@myshop/telemetry/preload']
    : ['--conditions=@myshop/source', '--import', TELEMETRY_PRELOAD];
  const lines: string[] = [];
  const forked = await forkService(serviceEntry(`@myshop/${service}`, { compiled: options.compiled, from: import.meta.dirname }), {
    cwd: repoRoot,
    execArgv: [...preload, ...(options.execArgv ?? [])],
    env: {
      ...clean,
      NODE_ENV: 'development',
      HOST: '127.0.0.1',
      PORT: '0',
      METRICS_HOST: '127.0.0.1',
      METRICS_PORT: '0',
      LOG_LEVEL: 'warn',
      ...env,
    },
    output,
    onLine: (line) => lines.push(line),
  }).catch((error: Error) => {
    if (!options.logFile) throw error;
    const logged = readFileSync(options.logFile, 'utf8').split('\n');
    throw new Error(`${error.message}\n${logged.slice(-20).join('\n')}`);
  });
  if (typeof output === 'number') closeSync(output);
  const { child } = forked;
  return {
    service,
    url: `http://127.0.0.1:${forked.port}`,
    metricsUrl: `http://127.0.0.1:${forked.metricsPort}/metrics`,
    pid: child.pid!,
    lines,
    rss: () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0) * 1024,
    async stop() {
      await forked.stop();
    },
  };
}
