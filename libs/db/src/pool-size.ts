import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/**
 * Connections per core of CPU the process may use. A connection is busy only while a statement
 * is in flight, and one event loop can only start so many statements a second: what the pool must
 * cover is the service's rate times the time a request holds a connection (a round trip or a
 * short transaction, plus the wait for a row lock), a few connections per core at most. Beyond
 * that, connections cost the database server memory (a backend each) and count against its
 * max_connections for every replica, rollout surges included, without serving more requests.
 */
const PER_CORE = 4;
/** Room for a slow statement or a lock wait without starving the rest, on the smallest pod. */
const MINIMUM = 4;

export type ReadFile = (path: string) => string;

/** The pool's size when DATABASE_POOL_MAX is unset: fitted to the CPU this process may use. */
export function defaultPoolMax(cpus = cpuBudget()): number {
  return Math.max(MINIMUM, Math.ceil(cpus * PER_CORE));
}

/**
 * Cores this process may use: the container's CPU limit (its cgroup's quota) when it has one,
 * else the cores it may run on. Node's `availableParallelism()` alone does not see a cgroup v1
 * quota, and a Kubernetes CPU limit is such a quota.
 */
export function cpuBudget(read: ReadFile = (path) => readFileSync(path, 'utf8')): number {
  const cores = availableParallelism();
  const quota = cgroupCpuQuota(read);
  return quota === undefined ? cores : Math.min(cores, quota);
}

/** Cores' worth of CPU time the cgroup may use per period; undefined when unlimited or unknown. */
export function cgroupCpuQuota(read: ReadFile): number | undefined {
  // cgroup v2: "<quota> <period>", or "max <period>" without a limit.
  const v2 = attempt(() => read('/sys/fs/cgroup/cpu.max').trim().split(/\s+/));
  if (v2) return ratio(v2[0], v2[1]);
  // cgroup v1: a quota of -1 is no limit.
  const quota = attempt(() => read('/sys/fs/cgroup/cpu/cpu.cfs_quota_us'));
  const period = attempt(() => read('/sys/fs/cgroup/cpu/cpu.cfs_period_us'));
  return ratio(quota, period);
}

function ratio(quota: string | undefined, period: string | undefined): number | undefined {
  const value = Number(quota) / Number(period);
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

function attempt<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}
