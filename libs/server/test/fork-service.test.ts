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
});
