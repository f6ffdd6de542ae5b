import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** What bounds how many argon2 hashes a process runs at once. */
export interface CpuBounds {
  /** CPUs the process may be scheduled on (its affinity). */
  cpusAllowed: number;
  /** libuv's thread pool, where node:crypto's argon2 runs: UV_THREADPOOL_SIZE, else 4. */
  threadPool: number;
  /** Its CPU cgroup's quota (or an ancestor's), in cores; undefined when none. */
  quotaCores: number | undefined;
}

export interface UsableCores {
  cores: number;
  /** The bounds it is the least of, for the report. */
  basis: string;
}

/** The hashes a process can run at the same time: the least of its CPUs, its thread pool and its CPU quota. */
export function usableCores(bounds: CpuBounds): UsableCores {
  const cores = Math.min(bounds.cpusAllowed, bounds.threadPool, bounds.quotaCores ?? Infinity);
  const quota = bounds.quotaCores === undefined ? 'no CPU quota' : `a CPU quota of ${bounds.quotaCores} cores`;
  return { cores, basis: `${bounds.cpusAllowed} CPUs allowed, a thread pool of ${bounds.threadPool}, ${quota}` };
}

/** The size of a kernel CPU list (`0-3,6` is 5). */
export function cpuListSize(list: string): number {
  let size = 0;
  for (const range of list.trim().split(',')) {
    const match = /^(\d+)(?:-(\d+))?$/.exec(range);
    if (!match) throw new Error(`not a CPU list: ${list}`);
    size += match[2] === undefined ? 1 : Number(match[2]) - Number(match[1]) + 1;
  }
  return size;
}

/** A cgroup's quota in cores: v2's cpu.max (`50000 100000`, `max 100000`) or v1's cfs quota and period (-1: none). */
export function quotaCores(quota: string, period: string): number | undefined {
  if (quota.trim() === 'max' || Number(quota) < 0) return undefined;
  return Number(quota) / Number(period);
}

/**
 * The bounds of a running process, from /proc and its cgroups: its affinity, the thread pool its
 * environment gives libuv, and the least quota of its CPU cgroup and that group's ancestors
 * (where a container's own limit is), v2 or v1.
 */
export function processCpuBounds(pid: number): CpuBounds {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const allowed = /^Cpus_allowed_list:\s*(\S+)$/m.exec(status)?.[1];
  if (!allowed) throw new Error(`/proc/${pid}/status has no Cpus_allowed_list`);
  const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
  const poolSetting = environ.find((entry) => entry.startsWith('UV_THREADPOOL_SIZE='))?.split('=')[1];
  const quotas: number[] = [];
  for (const line of readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n')) {
    const [, controllers, path] = /^\d+:([^:]*):(.*)$/.exec(line) ?? [];
    if (path === undefined) continue;
    for (const dir of ancestors(path)) {
      const quota = controllers === '' ? cgroupV2Quota(dir) : controllers?.split(',').includes('cpu') ? cgroupV1Quota(dir) : undefined;
      if (quota !== undefined) quotas.push(quota);
    }
  }
  return {
    cpusAllowed: cpuListSize(allowed),
    // libuv's default, and its bounds: 1 to 1024.
    threadPool: poolSetting ? Math.min(Math.max(Number(poolSetting), 1), 1024) : 4,
    quotaCores: quotas.length > 0 ? Math.min(...quotas) : undefined,
  };
}

/** `/a/b` → `/a/b`, `/a`, `/`. */
function ancestors(path: string): string[] {
  const parts = path.split('/').filter(Boolean);
  return parts.map((_, index) => `/${parts.slice(0, parts.length - index).join('/')}`).concat('/');
}

function cgroupV2Quota(dir: string): number | undefined {
  const file = join('/sys/fs/cgroup', dir, 'cpu.max');
  if (!existsSync(file)) return undefined;
  const [quota = 'max', period = '100000'] = readFileSync(file, 'utf8').trim().split(/\s+/);
  return quotaCores(quota, period);
}

function cgroupV1Quota(dir: string): number | undefined {
  for (const mount of ['cpu', 'cpu,cpuacct']) {
    const file = join('/sys/fs/cgroup', mount, dir, 'cpu.cfs_quota_us');
    if (!existsSync(file)) continue;
    const period = readFileSync(join('/sys/fs/cgroup', mount, dir, 'cpu.cfs_period_us'), 'utf8');
    return quotaCores(readFileSync(file, 'utf8'), period);
  }
  return undefined;
}
