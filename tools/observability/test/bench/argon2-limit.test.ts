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
  it('is the cores over the median time of one hash', async () => {
    const limit = await argon2Limit({ memory: 64, passes: 1, parallelism: 1, tagLength: 32 }, 3);
    expect(limit.hashMs).toBeGreaterThan(0);
    expect(limit.loginsPerSecond).toBeCloseTo((limit.cores * 1000) / limit.hashMs);
  });
});
