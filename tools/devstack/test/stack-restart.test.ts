import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startStack, type Stack } from '../src/index.ts';

const root = resolve(import.meta.dirname, '../../..');

/** One user replica in a throw-away data directory, stopped and removed after the test. */
async function startUserStack(): Promise<Stack> {
  const dataDir = mkdtempSync(join(tmpdir(), 'myshop-restart-'));
  // As root, the embedded PostgreSQL runs as its own user and must get through.
  chmodSync(dataDir, 0o755);
  const stack = await startStack({
    root,
    services: ['user'],
    gatewayPort: 0,
    dataDir,
    env: { LOG_LEVEL: 'warn' },
    printLine: () => undefined,
  });
  onTestFinished(async () => {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return stack;
}

/** The service processes this test process started (the replicas), by pid: not the databases. */
function replicaPids(): number[] {
  return execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes('apps/user/src/server.ts'))
    .map((line) => Number.parseInt(line.trim(), 10));
}

async function waitFor<T>(find: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms`);
    await new Promise((done) => setTimeout(done, 20));
  }
}

describe('a restart (npm start -- --watch) cut short', () => {
  it('by stop(): the new replicas are stopped with the rest, without waiting for them to be ready', async () => {
    const stack = await startUserStack();
    const old = replicaPids();
    const restart = stack.restartService('user');
    restart.catch(() => undefined);
    // The new replica is starting (its process exists): a Ctrl-C now.
    await waitFor(() => (replicaPids().length > old.length ? true : undefined), 10_000, 'new replica');
    await stack.stop();

    // Stopped means stopped: no replica, old or new, is left running, and the restart says it was not done.
    expect(replicaPids()).toEqual([]);
    await expect(restart).rejects.toThrow(/stopping/);
  });
});
