import { describe, expect, it } from 'vitest';
import { loginCpu, readLoginCpu } from '../../src/bench/login-cpu.ts';

describe('loginCpu', () => {
  it('shares the CPU between two readings among the logins, and the cores among that', () => {
    const before = { hashingMs: 1000, eventLoopMs: 500, otherThreadsMs: 100, databaseMs: 300 };
    const after = { hashingMs: 29_000, eventLoopMs: 2_500, otherThreadsMs: 600, databaseMs: 2_300 };
    const cpu = loginCpu(before, after, 1000, 2);
    expect(cpu).toMatchObject({ hashingMs: 28, eventLoopMs: 2, otherThreadsMs: 0.5, databaseMs: 2, totalMs: 32.5, logins: 1000, cores: 2 });
    expect(cpu.ceilingPerSecond).toBeCloseTo(2000 / 32.5, 6);
  });

  it('refuses a stretch without a login', () => {
    const reading = { hashingMs: 0, eventLoopMs: 0, otherThreadsMs: 0, databaseMs: 0 };
    expect(() => loginCpu(reading, reading, 0, 2)).toThrow(/no successful login/);
  });
});

describe.runIf(process.platform === 'linux')('readLoginCpu', () => {
  it('puts the main thread under the event loop and the thread pool under hashing', async () => {
    const { pbkdf2 } = await import('node:crypto');
    const before = readLoginCpu(process.pid, process.pid)!;
    // The pool: a few hundred ms of PBKDF2 on libuv's threads, then the main thread busy.
    await Promise.all(
      Array.from(
        { length: 2 },
        () => new Promise((resolve, reject) => pbkdf2('p', 's', 600_000, 32, 'sha256', (e, k) => (e ? reject(e) : resolve(k)))),
      ),
    );
    // 300 ms of this thread's own CPU, however long a busy machine takes to give it.
    const start = process.threadCpuUsage().user;
    while (process.threadCpuUsage().user - start < 300_000);
    const after = readLoginCpu(process.pid, process.pid)!;
    expect(after.hashingMs - before.hashingMs).toBeGreaterThanOrEqual(100);
    expect(after.eventLoopMs - before.eventLoopMs).toBeGreaterThanOrEqual(200);
    // The process tree of this process: at least all of its own threads.
    expect(after.databaseMs - before.databaseMs).toBeGreaterThanOrEqual(after.hashingMs - before.hashingMs);
  });
});
