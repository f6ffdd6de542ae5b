import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startServiceProcess } from '../src/service-process.ts';

describe('startServiceProcess', () => {
  it('rejects when the service exits during start-up, with the lines it printed', async () => {
    await expect(startServiceProcess('payment', { PORT: 'eighty' })).rejects.toThrow(/exited during start-up \(code 1\)[\s\S]*PORT/);
  });

  it('reads those lines back from the log file when the output goes to one', async () => {
    const logFile = join(mkdtempSync(join(tmpdir(), 'service-process-')), 'payment.log');
    await expect(startServiceProcess('payment', { PORT: 'eighty' }, { logFile })).rejects.toThrow(/Invalid configuration[\s\S]*PORT/);
    expect(readFileSync(logFile, 'utf8')).toContain('PORT');
  });
});
