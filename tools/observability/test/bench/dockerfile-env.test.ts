import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../src/observability-files.ts';
import { finalStageEnv } from '../../src/bench/dockerfile-env.ts';

describe('finalStageEnv', () => {
  it('takes the ENV of the last stage and of the stages it is built from, a later one winning', () => {
    const text = [
      'ARG BASE=node',
      'FROM ${BASE} AS Base',
      'ENV A=1 B=2',
      'FROM base AS middle',
      'ENV B=3',
      'FROM node AS unrelated',
      'ENV UNRELATED=1',
      'FROM middle',
      '# a comment',
      'ENV C="two words" \\',
      '    D=escaped\\ space',
      'ENV LEGACY form with spaces',
    ].join('\n');
    expect(finalStageEnv(text, 'test')).toEqual({ A: '1', B: '3', C: 'two words', D: 'escaped space', LEGACY: 'form with spaces' });
  });

  it('ignores the ENV of stages the last one is not built from', () => {
    expect(finalStageEnv('FROM node AS build\nENV CI=true\nFROM node\nENV NODE_ENV=production\n', 'test')).toEqual({
      NODE_ENV: 'production',
    });
  });

  it('refuses a value with a variable, an ENV without a value and a file without FROM', () => {
    expect(() => finalStageEnv('FROM node\nENV P=$HOME/bin\n', 'x.Dockerfile')).toThrow('x.Dockerfile: ENV P=$HOME/bin has a $');
    expect(() => finalStageEnv('FROM node\nENV P\n', 'x.Dockerfile')).toThrow('x.Dockerfile: ENV P has no value');
    expect(() => finalStageEnv('ENV P=1\n', 'x.Dockerfile')).toThrow('x.Dockerfile: no FROM');
  });

  it.each(['user', 'cart', 'payment'])('reads the production image of %s: its own stage, not the build or dev stage', (service) => {
    const text = readFileSync(join(repoRoot, 'docker', `${service}.Dockerfile`), 'utf8');
    const env = finalStageEnv(text, `docker/${service}.Dockerfile`);
    expect(env).toMatchObject({
      NODE_ENV: 'production',
      MALLOC_ARENA_MAX: '2',
      NODE_OPTIONS: '--import=@myshop/telemetry/preload --max-old-space-size-percentage=50',
    });
    // Set by the build stage only: the image does not start with them.
    expect(env).not.toHaveProperty('CI');
    expect(env).not.toHaveProperty('NX_DAEMON');
  });
});
