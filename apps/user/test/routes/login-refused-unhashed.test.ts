import { describe, expect, it, vi } from 'vitest';
import { buildUser, loginFrom, PASSWORD, register } from '../helpers.ts';

/** Password checks begun (argon2 verifications), counted. */
const checks = vi.hoisted(() => ({ count: 0 }));
vi.mock('../../src/passwords.ts', async (importOriginal) => {
  const passwords = await importOriginal<typeof import('../../src/passwords.ts')>();
  return {
    ...passwords,
    checkPassword: (...args: Parameters<typeof passwords.checkPassword>) => {
      checks.count += 1;
      return passwords.checkPassword(...args);
    },
  };
});

describe('POST /user/login past an attempt limit', () => {
  it('checks no password for an attempt the limits refuse: a blocked address costs no argon2 time', async () => {
    const { app } = await buildUser({ LOGIN_LIMIT_PER_IP: '1' });
    await register(app);
    checks.count = 0;
    expect((await loginFrom(app, '203.0.113.7', 'ada@example.com')).statusCode).toBe(401);
    expect(checks.count).toBe(1);
    for (let i = 0; i < 3; i += 1) expect((await loginFrom(app, '203.0.113.7', 'ada@example.com', PASSWORD)).statusCode).toBe(429);
    expect(checks.count).toBe(1);
  });
});
