/**
 * The build context of every image (the repository root, filtered by .dockerignore) as the engine
 * itself sends it: a `FROM scratch` build that copies it whole, exported to a folder.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { docker, dockerEngineForTests, repoPath } from '@myshop/release';
import { describe, expect, it } from 'vitest';
import { BUILD_CONTEXT_ROOT } from '../src/build-context.ts';

const engine = dockerEngineForTests();

describe.skipIf(!engine.running)(`the build context${engine.skipNote}`, () => {
  it('holds at the root only what a build reads, and inside it no local state, build output or tests', () => {
    const exported = mkdtempSync(join(tmpdir(), 'myshop-build-context-'));
    try {
      execFileSync(docker, ['build', '--quiet', '--file', '-', '--output', `type=local,dest=${exported}`, '.'], {
        cwd: repoPath(),
        input: 'FROM scratch\nCOPY . /\n',
        env: { ...process.env, DOCKER_BUILDKIT: '1' },
        stdio: ['pipe', 'ignore', 'pipe'],
        timeout: 120_000,
      });
      // Anything else a person leaves at the root (a key made for a Secret, an .env) stays out.
      expect(readdirSync(exported).sort()).toEqual([...BUILD_CONTEXT_ROOT]);
      const left = readdirSync(exported, { recursive: true, encoding: 'utf8' }).filter((path) =>
        path.split('/').some((part) => ['node_modules', 'dist', '.data', 'test', 'coverage'].includes(part)),
      );
      expect(left).toEqual([]);
    } finally {
      rmSync(exported, { recursive: true, force: true });
    }
  });
});
