import { describe, expect, it } from 'vitest';
import { cpuListSize, processCpuBounds, quotaCores, usableCores } from '../../src/bench/usable-cores.ts';

describe('usableCores', () => {
  it('is the least of the CPUs allowed, the thread pool and the CPU quota', () => {
    expect(usableCores({ cpusAllowed: 2, threadPool: 4, quotaCores: undefined })).toEqual({
      cores: 2,
      basis: '2 CPUs allowed, a thread pool of 4, no CPU quota',
    });
    expect(usableCores({ cpusAllowed: 8, threadPool: 4, quotaCores: undefined }).cores).toBe(4);
    expect(usableCores({ cpusAllowed: 8, threadPool: 4, quotaCores: 1.5 })).toEqual({
      cores: 1.5,
      basis: '8 CPUs allowed, a thread pool of 4, a CPU quota of 1.5 cores',
    });
  });
});

describe('cpuListSize', () => {
  it('counts single CPUs and ranges', () => {
    expect(cpuListSize('0')).toBe(1);
    expect(cpuListSize('0-1')).toBe(2);
    expect(cpuListSize('0-3,6,8-9\n')).toBe(7);
    expect(() => cpuListSize('all')).toThrow('not a CPU list: all');
  });
});

describe('quotaCores', () => {
  it('reads cgroup v2 and v1 quotas, none when unlimited', () => {
    expect(quotaCores('50000', '100000')).toBe(0.5);
    expect(quotaCores('max', '100000')).toBeUndefined();
    expect(quotaCores('-1\n', '100000\n')).toBeUndefined();
    expect(quotaCores('200000\n', '100000\n')).toBe(2);
  });
});

describe('processCpuBounds', () => {
  it('reads this process: its affinity, its thread pool and its quota if any', () => {
    const bounds = processCpuBounds(process.pid);
    expect(bounds.cpusAllowed).toBeGreaterThanOrEqual(1);
    const setting = Number(process.env.UV_THREADPOOL_SIZE);
    expect(bounds.threadPool).toBe(setting > 0 ? setting : 4);
    if (bounds.quotaCores !== undefined) expect(bounds.quotaCores).toBeGreaterThan(0);
  });
});
