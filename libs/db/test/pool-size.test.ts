import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { createDatabase } from '../src/index.ts';
import { cgroupCpuQuota, cpuBudget, defaultPoolMax } from '../src/pool-size.ts';

/** A file system with only these files; any other read fails as a missing file does. */
const files = (contents: Record<string, string>) => (path: string) => {
  if (path in contents) return contents[path]!;
  throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
};

describe('defaultPoolMax', () => {
  it('gives 4 connections per core, rounded up', () => {
    expect(defaultPoolMax(2)).toBe(8);
    expect(defaultPoolMax(1.5)).toBe(6);
    expect(defaultPoolMax(4)).toBe(16);
  });

  it('never gives fewer than 4, however small the CPU limit', () => {
    expect(defaultPoolMax(0.5)).toBe(4);
    expect(defaultPoolMax(0.1)).toBe(4);
  });
});

describe('cgroupCpuQuota', () => {
  it('reads a cgroup v2 limit', () => {
    expect(cgroupCpuQuota(files({ '/sys/fs/cgroup/cpu.max': '50000 100000\n' }))).toBe(0.5);
  });

  it('reads no limit from a cgroup v2 "max"', () => {
    expect(cgroupCpuQuota(files({ '/sys/fs/cgroup/cpu.max': 'max 100000\n' }))).toBeUndefined();
  });

  it('reads a cgroup v1 quota and period', () => {
    const v1 = { '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '150000\n', '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000\n' };
    expect(cgroupCpuQuota(files(v1))).toBe(1.5);
  });

  it('reads no limit from a cgroup v1 quota of -1, or without any cgroup files', () => {
    const unlimited = { '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '-1\n', '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000\n' };
    expect(cgroupCpuQuota(files(unlimited))).toBeUndefined();
    expect(cgroupCpuQuota(files({}))).toBeUndefined();
  });
});

describe('cpuBudget', () => {
  it('is the cgroup limit when there is one below the cores', () => {
    expect(cpuBudget(files({ '/sys/fs/cgroup/cpu.max': '50000 100000' }))).toBe(Math.min(0.5, availableParallelism()));
  });

  it('is the cores the process may run on without a limit, or with one above them', () => {
    expect(cpuBudget(files({}))).toBe(availableParallelism());
    expect(cpuBudget(files({ '/sys/fs/cgroup/cpu.max': `${(availableParallelism() + 8) * 100000} 100000` }))).toBe(availableParallelism());
  });
});

describe('createDatabase', () => {
  it('sizes its pool from the CPU without poolMax, and as told with it', async () => {
    const fitted = createDatabase({ url: 'postgres://nobody@127.0.0.1:1/none' });
    const told = createDatabase({ url: 'postgres://nobody@127.0.0.1:1/none', poolMax: 3 });
    expect(fitted.pool.options.max).toBe(defaultPoolMax());
    expect(told.pool.options.max).toBe(3);
    await Promise.all([fitted.close(), told.close()]);
  });
});
