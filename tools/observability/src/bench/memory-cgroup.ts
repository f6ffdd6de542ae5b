import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const MEMORY_ROOT = '/sys/fs/cgroup/memory';

/** A cgroup v1 memory controller group holding one service, limited as its pod is. */
export interface MemoryCgroup {
  name: string;
  limitBytes: number;
  /** Highest memory the group was charged (RSS and page cache), and how often it hit the limit. */
  peak(): { maxUsageBytes: number; failcnt: number };
  remove(): void;
}

export type CgroupPlacement = { cgroup: MemoryCgroup } | { unavailable: string };

/** Why the memory controller cannot be used here, or undefined when it can. */
export function cgroupUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root';
  if (!existsSync(join(MEMORY_ROOT, 'cgroup.procs'))) return `no cgroup v1 memory controller at ${MEMORY_ROOT}`;
  return undefined;
}

/** The memory cgroup this process is in now (its path under the controller). */
function ownCgroup(): string {
  const line = readFileSync('/proc/self/cgroup', 'utf8')
    .split('\n')
    .find((candidate) => /^\d+:memory:/.test(candidate));
  return line ? line.split(':')[2]! : '/';
}

/**
 * Forks `start()`'s process inside a new memory cgroup limited to `limitBytes`: this process joins
 * the group just for the fork and goes back to its own right after, so the child is in it from
 * its first instruction (V8 sizes its heap from the limit it finds at start-up, as in a pod) and
 * nothing else is. When the controller is not there or not ours, the child starts without one and
 * the answer says why.
 */
export function forkInCgroup<T>(name: string, limitBytes: number, start: () => T): { started: T; placement: CgroupPlacement } {
  const unavailable = cgroupUnavailable();
  if (unavailable) return { started: start(), placement: { unavailable } };
  const dir = join(MEMORY_ROOT, name);
  const home = join(MEMORY_ROOT, ownCgroup(), 'cgroup.procs');
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'memory.limit_in_bytes'), String(limitBytes));
    writeFileSync(join(dir, 'cgroup.procs'), String(process.pid));
  } catch (error) {
    return { started: start(), placement: { unavailable: `cannot use ${dir}: ${(error as Error).message}` } };
  }
  let started: T;
  try {
    started = start();
  } finally {
    writeFileSync(home, String(process.pid));
  }
  const read = (file: string) => Number(readFileSync(join(dir, file), 'utf8').trim());
  return {
    started,
    placement: {
      cgroup: {
        name,
        limitBytes,
        peak: () => ({ maxUsageBytes: read('memory.max_usage_in_bytes'), failcnt: read('memory.failcnt') }),
        remove: () => {
          try {
            rmdirSync(dir);
          } catch {
            // Still has a process (a service that did not exit): the kernel keeps it until then.
          }
        },
      },
    },
  };
}
