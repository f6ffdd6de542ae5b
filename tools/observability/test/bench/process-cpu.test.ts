import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { parseProcStat, processTreeCpuMs, threadsCpu } from '../../src/bench/process-cpu.ts';

describe('parseProcStat', () => {
  it('reads the name, the parent and user + system time in ms, whatever the name holds', () => {
    const line = '4263 (a (b) c) S 4262 4263 4263 0 -1 4194560 25341 9528259 0 767 30 54 65423 18449 20 0 1 0 9251 5242880 997\n';
    expect(parseProcStat(line)).toEqual({ name: 'a (b) c', parentPid: 4262, cpuMs: 840 });
  });

  it('refuses what is not a stat line', () => {
    expect(() => parseProcStat('hello')).toThrow(/not a \/proc stat line/);
    expect(() => parseProcStat('1 (x) S')).toThrow(/not a \/proc stat line/);
  });
});

describe.runIf(process.platform === 'linux')('reading /proc', () => {
  it('lists this process’s threads, the main one by its own id', () => {
    const threads = threadsCpu(process.pid)!;
    expect(threads.some((thread) => thread.tid === process.pid)).toBe(true);
    expect(threads.length).toBeGreaterThan(1);
  });

  it('counts the CPU of a child’s child in the child’s tree, and nothing for a process that is not there', async () => {
    // A shell whose child burns half a second of CPU (however long a busy machine takes to give
    // it), then stays alive to be read; the shell itself does nothing.
    const burn = `${JSON.stringify(process.execPath)} -e "while (process.cpuUsage().user < 500000); setTimeout(() => {}, 60000)"`;
    const shell = spawn('sh', ['-c', `${burn} & wait`], { stdio: 'ignore', detached: true });
    try {
      let total = 0;
      for (let waited = 0; waited < 20_000 && total < 400; waited += 100) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        total = processTreeCpuMs(shell.pid!) ?? 0;
      }
      expect(total).toBeGreaterThanOrEqual(400);
      expect(threadsCpu(shell.pid!)!.reduce((sum, thread) => sum + thread.cpuMs, 0)).toBeLessThan(100);
    } finally {
      const exited = shell.exitCode !== null || shell.signalCode !== null ? Promise.resolve() : once(shell, 'exit');
      try {
        process.kill(-shell.pid!, 'SIGKILL');
      } catch {
        // The group has already gone.
      }
      await exited;
    }
    expect(processTreeCpuMs(2 ** 22 + 1)).toBeUndefined();
    expect(threadsCpu(2 ** 22 + 1)).toBeUndefined();
  });
});
