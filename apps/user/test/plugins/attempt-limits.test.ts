import { describe, expect, it } from 'vitest';
import { buildUser, PASSWORD, register } from '../helpers.ts';

const login = (email: string, ip = '203.0.113.7') => ({
  method: 'POST' as const,
  url: '/user/login',
  headers: { 'x-forwarded-for': ip },
  payload: { email, password: 'wrong password' },
});

describe('attempt limits', () => {
  it('stops password guessing on one account with 429 and Retry-After, other accounts unaffected', async () => {
    const { app } = await buildUser({ LOGIN_LIMIT_PER_ACCOUNT: '3', RATE_LIMIT_WINDOW_SECONDS: '120' });
    await register(app);
    const statuses = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await app.inject(login('ada@example.com', `198.51.100.${i}`))).statusCode);
    expect(statuses).toEqual([401, 401, 401, 429]);
    const limited = await app.inject(login(' ADA@example.com '));
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(120);
    expect(limited.json()).toEqual({ statusCode: 429, code: 'USER_TOO_MANY_ATTEMPTS', error: 'Too Many Requests', message: 'Too many attempts, try again later' });
    // Even the right password waits: the limit is on attempts, not failures.
    expect((await app.inject({ ...login('ada@example.com'), payload: { email: 'ada@example.com', password: PASSWORD } })).statusCode).toBe(429);
    expect((await app.inject(login('grace@example.com'))).statusCode).toBe(401);
  });

  it('stops one address from trying many accounts, other addresses unaffected', async () => {
    const { app } = await buildUser({ LOGIN_LIMIT_PER_IP: '5' });
    const statuses = [];
    for (let i = 0; i < 6; i += 1) statuses.push((await app.inject(login(`user${i}@example.com`))).statusCode);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    expect((await app.inject(login('someone@example.com', '192.0.2.55'))).statusCode).toBe(401);
  });

  it('limits sign-ups per address and per email', async () => {
    const { app, database } = await buildUser({ REGISTER_LIMIT_PER_IP: '2', REGISTER_LIMIT_PER_ACCOUNT: '2' });
    const signUp = (email: string, ip: string) =>
      app.inject({ method: 'POST', url: '/user/register', headers: { 'x-forwarded-for': ip }, payload: { email, password: PASSWORD, name: 'N' } });
    expect((await signUp('a@example.com', '192.0.2.1')).statusCode).toBe(201);
    expect((await signUp('b@example.com', '192.0.2.1')).statusCode).toBe(201);
    expect((await signUp('c@example.com', '192.0.2.1')).statusCode).toBe(429);
    expect((await signUp('a@example.com', '192.0.2.2')).statusCode).toBe(409);
    expect((await signUp('A@example.com', '192.0.2.3')).statusCode).toBe(429);
    expect(await database.query('SELECT email FROM users ORDER BY email')).toEqual([{ email: 'a@example.com' }, { email: 'b@example.com' }]);
  });
});
