import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { forkService } from '../src/fork-service.ts';

const fixture = fileURLToPath(new URL('./fixtures/slow-service.ts', import.meta.url));

describe('forkService', () => {
  it('rejects when the service exits before it listens, under the name given, with what it printed', async () => {
    const lines: string[] = [];
    const started = forkService(fixture, {
      name: 'slow-1',
      execArgv: ['--conditions=@myshop/source'],
      env: { PATH: process.env.PATH, HOST: '127.0.0.1', PORT: 'eighty', METRICS_HOST: '127.0.0.1', METRICS_PORT: '0' },
      onLine: (line) => void lines.push(line),
    });
    await expect(started).rejects.toThrow(/^slow-1 exited during start-up \(code 1\):\n[\s\S]*PORT/);
    expect(lines.join('\n')).toContain('PORT');
  });

  it('stops a service that is still starting when its signal is aborted, and rejects once it exited', async () => {
    const abort = new AbortController();
    const started = forkService(fixture, {
      name: 'slow-2',
      execArgv: ['--conditions=@myshop/source'],
      // A database that is not there: were it to get that far, it would fail on its own.
      env: {
        PATH: process.env.PATH,
        HOST: '127.0.0.1',
        PORT: '0',
        METRICS_HOST: '127.0.0.1',
        METRICS_PORT: '0',
        DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none',
      },
      signal: abort.signal,
    });
    // Aborted while the child loads its modules: an unheard 'error' event would throw here.
    await new Promise((done) => setTimeout(done, 100));
    const pid = Number(execFileSync('pgrep', ['-P', String(process.pid), '-f', 'slow-service'], { encoding: 'utf8' }).trim());
    abort.abort();
    await expect(started).rejects.toThrow(/^slow-2 exited during start-up \(SIGTERM\)/);
    expect(() => process.kill(pid, 0)).toThrow();
  });
});
