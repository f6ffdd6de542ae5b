import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { availableParallelism, setPriority } from 'node:os';
import { join } from 'node:path';

export interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Answers outside 2xx, and socket errors or timeouts: a run with any of them is not a measure. */
  non2xx: number;
  errors: number;
  /** Every answer by its status code (`{ '200': 412, '429': 3 }`). */
  statusCounts: Record<string, number>;
  /** How long the run lasted, as autocannon timed it. */
  elapsedSeconds: number;
}

export interface LoadTarget {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** A new Idempotency-Key on every request, made when the request is. */
  freshIdempotencyKey?: boolean;
}

/** One autocannon run: saturating with `connections`, or held at `rate` req/s. */
export interface LoadRun {
  target: LoadTarget;
  connections: number;
  durationSeconds: number;
  rate?: number;
}

export interface LoadGenerator {
  run(target: LoadTarget, options: Omit<LoadRun, 'target'>): Promise<LoadResult>;
  /** How the generator runs beside the services, for the report. */
  placement: string;
  stop(): Promise<void>;
}

/** Lower priority than the services: under contention the kernel serves them first. */
const NICENESS = 10;

/**
 * autocannon in a child process of its own, niced, and pinned to the last core where taskset
 * exists and there are at least two cores: its work then competes with the services' as little as
 * the machine allows, and the same way for every contender.
 */
export async function startLoadGenerator(): Promise<LoadGenerator> {
  const child = fork(join(import.meta.dirname, 'load-worker.ts'), [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const placement = [`own process (pid ${child.pid})`];
  const [ready] = (await once(child, 'message')) as [{ type: string }];
  if (ready.type !== 'ready') throw new Error('the load generator did not start');
  try {
    setPriority(child.pid!, NICENESS);
    placement.push(`nice ${NICENESS}`);
  } catch (error) {
    placement.push(`not niced (${(error as Error).message})`);
  }
  placement.push(pin(child));
  let next = 0;
  return {
    placement: placement.join(', '),
    async run(target, options) {
      const id = (next += 1);
      const answer = new Promise<LoadResult>((resolve, reject) => {
        const listener = (message: { type: string; id: number; result?: LoadResult; error?: string }) => {
          if (message.type !== 'result' || message.id !== id) return;
          child.off('message', listener);
          if (message.error !== undefined) reject(new Error(`load generator: ${message.error}`));
          else resolve(message.result!);
        };
        child.on('message', listener);
      });
      child.send({ type: 'run', id, run: { target, ...options } });
      return answer;
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.disconnect();
      await exited;
    },
  };
}

function pin(child: ChildProcess): string {
  const cores = availableParallelism();
  if (cores < 2) return 'not pinned (one core)';
  const core = String(cores - 1);
  try {
    execFileSync('taskset', ['-p', '-c', core, String(child.pid)], { stdio: 'ignore' });
    return `pinned to CPU ${core} (taskset)`;
  } catch {
    return 'not pinned (no taskset)';
  }
}
