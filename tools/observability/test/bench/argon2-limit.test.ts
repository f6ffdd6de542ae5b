import { argon2Sync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { argon2Limit, argon2Parameters } from '../../src/bench/argon2-limit.ts';

describe('argon2Parameters', () => {
  it('reads memory, passes, lanes and tag length from a PHC string', () => {
    const tag = argon2Sync('argon2id', { message: 'x', nonce: randomBytes(16), memory: 64, passes: 3, parallelism: 1, tagLength: 24 });
    const phc = `$argon2id$v=19$m=64,t=3,p=1$${randomBytes(16).toString('base64').replace(/=+$/, '')}$${tag.toString('base64').replace(/=+$/, '')}`;
    expect(argon2Parameters(phc)).toEqual({ memory: 64, passes: 3, parallelism: 1, tagLength: 24 });
  });

  it('refuses anything but argon2id', () => {
    expect(() => argon2Parameters('$argon2i$v=19$m=64,t=3,p=1$c2FsdA$aGFzaA')).toThrow(/not an argon2id PHC string/);
  });
});

describe('argon2Limit', () => {
  it('is the usable cores over the fastest hash', async () => {
    const limit = await argon2Limit(
      { memory: 64, passes: 1, parallelism: 1, tagLength: 32 },
      { cores: 1.5, basis: 'a quota' },
      {
        env: { MALLOC_ARENA_MAX: '2', NODE_OPTIONS: '--import=@myshop/telemetry/preload' },
        samples: 3,
      },
    );
    expect(limit.hashMs).toBeGreaterThan(0);
    expect(limit.cores).toBe(1.5);
    expect(limit.coresBasis).toBe('a quota');
    // Timed with the memory env, without the service's preload.
    expect(limit.env).toEqual({ MALLOC_ARENA_MAX: '2' });
    expect(limit.loadAverage).toBeGreaterThanOrEqual(0);
    expect(limit.loginsPerSecond).toBeCloseTo(1500 / limit.hashMs);
  });

  it('takes the fastest of its samples: a heavier hash takes longer, so its limit is lower', async () => {
    const light = await argon2Limit({ memory: 64, passes: 1, parallelism: 1, tagLength: 32 }, { cores: 1, basis: '' }, { samples: 3 });
    const heavy = await argon2Limit({ memory: 8192, passes: 4, parallelism: 1, tagLength: 32 }, { cores: 1, basis: '' }, { samples: 3 });
    expect(heavy.hashMs).toBeGreaterThan(light.hashMs);
    expect(heavy.loginsPerSecond).toBeLessThan(light.loginsPerSecond);
  });
});
