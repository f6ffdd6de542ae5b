/**
 * `npm start -w apps/<service>` runs one service alone. It must start as `npm start` and the images
 * start it, with the tracing preload first: without it the OTEL_* variables are read by nothing.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readJson, repoPath, services } from '@myshop/release';
import { describe, expect, it, onTestFinished } from 'vitest';

describe('the services’ own start scripts', () => {
  it.each(services())('%s: its npm start starts tracing before the app', (service) => {
    const script = readJson<{ scripts: { start: string } }>(repoPath(`apps/${service}/package.json`)).scripts.start;
    const dataDir = mkdtempSync(join(tmpdir(), 'start-script-'));
    onTestFinished(() => rmSync(dataDir, { recursive: true, force: true }));
    // The script as npm runs it: in the app's directory, the project's Node first on the PATH.
    const run = spawnSync('sh', ['-c', script], {
      cwd: repoPath(`apps/${service}`),
      encoding: 'utf8',
      timeout: 60_000,
      env: {
        PATH: `${repoPath('node_modules/.bin')}:${process.env.PATH}`,
        DATA_DIR: dataDir,
        // A bad key: the service exits 1 before it listens or opens a database.
        PORT: 'x',
        // Spans somewhere to go, and the SDK saying so as it starts.
        OTEL_TRACES_EXPORTER: 'console',
        OTEL_LOG_LEVEL: 'debug',
      },
    });
    expect(run.status).toBe(1);
    expect(`${run.stdout}${run.stderr}`).toContain('PORT');
    expect(`${run.stdout}${run.stderr}`).toContain('@opentelemetry/api: Registered a global for diag');
  });
});
