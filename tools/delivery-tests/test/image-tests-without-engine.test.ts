/**
 * `npm run test:images` on a machine with no running Docker engine: like every test whose tool a
 * fresh machine may lack, each image test reports itself skipped by name with the line that gets
 * the engine, and .ci/run (which starts one) fails on a skipped test.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoPath } from '@myshop/release';
import { describe, expect, it, onTestFinished } from 'vitest';

interface JsonReport {
  testResults: Array<{ assertionResults: Array<{ fullName: string; status: string }> }>;
}

describe('the image tests without a Docker engine', () => {
  it('are each skipped by name, saying why and how to get one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'image-tests-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const report = join(dir, 'report.json');
    const run = spawnSync('npx', ['vitest', 'run', '--config', 'vitest.images.config.ts', `--outputFile.json=${report}`], {
      cwd: repoPath('tools/delivery-tests'),
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, PATH: `${repoPath('node_modules/.bin')}:${process.env.PATH}`, DOCKER: '/nonexistent/docker' },
    });
    expect(run.status, `${run.stdout}${run.stderr}`).toBe(0);
    const tests = (JSON.parse(readFileSync(report, 'utf8')) as JsonReport).testResults.flatMap((file) => file.assertionResults);
    expect(tests.length).toBeGreaterThan(0);
    for (const test of tests) {
      expect(test.status).toBe('skipped');
      expect(test.fullName).toContain('(skipped: no running Docker engine (/nonexistent/docker: ');
      expect(test.fullName).toContain('install: apt-get install -y docker.io, then systemctl start docker)');
    }
  });
});
