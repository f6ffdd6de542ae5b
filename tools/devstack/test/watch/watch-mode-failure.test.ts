import { utimesSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { Stack } from '../../src/index.ts';
import { startWatchMode } from '../../src/watch/watch-mode.ts';

const root = resolve(import.meta.dirname, '../../../..');

/** Just what watch mode uses of a stack: its services, and a restart that fails as a broken save does. */
function stackWhoseRestartsFail(restarts: string[]): Stack {
  return {
    services: new Map([['payment', {}]]),
    restartService: async (service: string) => {
      restarts.push(service);
      throw new Error(`${service}-2 exited during start-up (code 1)`);
    },
  } as unknown as Stack;
}

describe('watch mode, when the new code does not start', () => {
  it('says the running replicas stay, and restarts nothing for a file no service loads', async () => {
    const restarts: string[] = [];
    const lines: string[] = [];
    const watchMode = startWatchMode({
      root,
      stack: stackWhoseRestartsFail(restarts),
      log: (line) => void lines.push(line),
      debounceMs: 50,
    });
    onTestFinished(() => watchMode.close());

    // Read by tsc, never by the service: ignored.
    // Saves that change nothing but the modification time: rewriting the bytes would empty each
    // file for a moment, under another project's test that loads it.
    const now = new Date();
    utimesSync(join(root, 'apps/payment/tsconfig.json'), now, now);
    utimesSync(join(root, 'apps/payment/src/server.ts'), now, now);
    for (let waited = 0; restarts.length === 0 && waited < 10_000; waited += 50) await new Promise((done) => setTimeout(done, 50));
    await watchMode.idle();

    expect(restarts).toContain('payment');
    // Contained rather than equal: another test file may save a shared library meanwhile. The
    // batch names server.ts alone: the tsconfig save was not counted.
    expect(lines).toEqual(
      expect.arrayContaining([
        'apps/payment/src/server.ts changed: restarting payment (all replicas at once, each new one ready before the old one stops)',
        'payment kept its running replicas: the new code did not start (payment-2 exited during start-up (code 1)); save again to retry',
      ]),
    );
  });
});
