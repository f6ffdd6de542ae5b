import { argon2Sync } from 'node:crypto';
import { securityHeaderProblems, tableState, writeReliabilityFigure } from '@myshop/testing';
import { describe, expect, it } from 'vitest';
import { buildUser, login, PASSWORD, register } from '../helpers.ts';

/** OWASP's argon2id floor (Password Storage Cheat Sheet): 19 MiB, 2 passes, 1 lane. */
const OWASP_FLOOR = { memory: 19_456, passes: 2, parallelism: 1 };

describe('accounts', () => {
  it('stores passwords as argon2id at or above the OWASP floor, a hash that verifies the password and nothing else', async () => {
    const { app, database } = await buildUser();
    await register(app, 'ada@example.com', PASSWORD);
    const [row] = await database.query<{ password_hash: string }>('SELECT password_hash FROM users');
    const match = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/.exec(row!.password_hash);
    expect(match).not.toBeNull();
    const [, memory, passes, parallelism, salt, hash] = match!.map(String);
    const parameters = { memory: Number(memory), passes: Number(passes), parallelism: Number(parallelism) };
    expect(parameters.memory).toBeGreaterThanOrEqual(OWASP_FLOOR.memory);
    expect(parameters.passes).toBeGreaterThanOrEqual(OWASP_FLOOR.passes);
    expect(parameters.parallelism).toBeGreaterThanOrEqual(OWASP_FLOOR.parallelism);
    expect(Buffer.from(salt!, 'base64').length).toBeGreaterThanOrEqual(16);
    // Recomputed independently of the service's code: the stored hash is argon2id of the password.
    const expected = Buffer.from(hash!, 'base64');
    const recompute = (message: string) =>
      argon2Sync('argon2id', { message, nonce: Buffer.from(salt!, 'base64'), ...parameters, tagLength: expected.length });
    expect(recompute(PASSWORD).equals(expected)).toBe(true);
    expect(recompute(`${PASSWORD}!`).equals(expected)).toBe(false);
    expect(row!.password_hash).not.toContain(PASSWORD);
    writeReliabilityFigure({
      check: 'password hashing',
      load: 'a stored hash read from the database',
      figure: `argon2id m=${parameters.memory} t=${parameters.passes} p=${parameters.parallelism}`,
      target: 'argon2id, m ≥ 19456, t ≥ 2, p ≥ 1',
      pass: true,
    });
  });

  it('lets a token reach only its own account: no route takes a user id', async () => {
    const { app, database } = await buildUser();
    const ada = await register(app, 'ada@example.com');
    await register(app, 'eve@example.com');
    const eve = { authorization: `Bearer ${await login(app, 'eve@example.com')}` };
    const state = tableState(database, ['users']);
    const before = await state();
    expect((await app.inject({ url: `/user/me?id=${ada.id}`, headers: eve })).json().email).toBe('eve@example.com');
    for (const url of [`/user/${ada.id}`, `/user/users/${ada.id}`, `/user/me/${ada.id}`]) {
      for (const method of ['GET', 'PUT', 'DELETE'] as const) {
        const response = await app.inject({ method, url, headers: eve, payload: method === 'PUT' ? { name: 'Eve' } : undefined });
        expect(response.statusCode, `${method} ${url}`).toBe(404);
      }
    }
    expect(await state()).toBe(before);
  });

  const extras: Array<[string, unknown]> = [
    ['id', '6f1c1f04-4a57-4a39-9a9e-2b1f0e3b7a11'],
    ['role', 'admin'],
    ['isAdmin', true],
    ['passwordHash', '$argon2id$v=19$m=1,t=1,p=1$AAAA$AAAA'],
    ['createdAt', '2000-01-01T00:00:00.000Z'],
    ['emailVerified', true],
  ];

  it.each(extras)('refuses a sign-up carrying %s with 400 naming the field, and creates no account', async (field, value) => {
    const { app, database } = await buildUser();
    const response = await app.inject({
      method: 'POST',
      url: '/user/register',
      payload: { email: 'ada@example.com', password: PASSWORD, name: 'Ada', [field]: value },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      statusCode: 400,
      code: 'FST_ERR_VALIDATION',
      error: 'Bad Request',
      message: `body/${field} is not allowed`,
    });
    expect(await database.query('SELECT count(*)::int AS users FROM users')).toEqual([{ users: 0 }]);
  });
});

describe('the user service over HTTP', () => {
  it('answers with headers fit for a JSON API; only the public key set may be cached', async () => {
    const { app } = await buildUser();
    const answers = [
      await app.inject({ method: 'POST', url: '/user/register', payload: { email: 'ada@example.com', password: PASSWORD, name: 'Ada' } }),
      await app.inject({ method: 'POST', url: '/user/login', payload: { email: 'ada@example.com', password: PASSWORD } }),
      await app.inject({ url: '/user/me' }),
      await app.inject({ method: 'POST', url: '/user/login', payload: { email: 'ada@example.com' } }),
      await app.inject({ url: '/user/nowhere' }),
    ];
    expect(answers.map((answer) => answer.statusCode)).toEqual([201, 200, 401, 400, 404]);
    expect(answers.flatMap(securityHeaderProblems)).toEqual([]);
    const jwks = await app.inject({ url: '/user/.well-known/jwks.json' });
    expect(jwks.headers['cache-control']).toBe('public, max-age=300');
  });

  it('keeps CORS closed by default and opens it to exactly the configured origins', async () => {
    const closed = await buildUser();
    const preflight = await closed.app.inject({
      method: 'OPTIONS',
      url: '/user/login',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    const open = await buildUser({ CORS_ORIGINS: 'https://shop.example' });
    const allowed = await open.app.inject({ url: '/user/.well-known/jwks.json', headers: { origin: 'https://shop.example' } });
    expect(allowed.headers['access-control-allow-origin']).toBe('https://shop.example');
  });

  it('refuses a body over BODY_LIMIT_BYTES with 413 in the error shape, creating no account', async () => {
    const { app, database } = await buildUser({ BODY_LIMIT_BYTES: '2048' });
    const over = await app.inject({
      method: 'POST',
      url: '/user/register',
      payload: { email: 'ada@example.com', password: PASSWORD, name: 'x'.repeat(3000) },
    });
    expect(over.statusCode).toBe(413);
    expect(over.json()).toMatchObject({ statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE' });
    expect(await database.query('SELECT count(*)::int AS users FROM users')).toEqual([{ users: 0 }]);
  });
});

describe('attempt limits (configured per key)', () => {
  const limits: Array<[string, string, Record<string, string>, (attempt: number) => { ip: string; email: string }]> = [
    [
      'login per address',
      '/user/login',
      { LOGIN_LIMIT_PER_IP: '2' },
      (attempt) => ({ ip: '203.0.113.1', email: `user${attempt}@example.com` }),
    ],
    [
      'login per account and address',
      '/user/login',
      { LOGIN_LIMIT_PER_ACCOUNT: '2' },
      () => ({ ip: '203.0.113.10', email: 'ada@example.com' }),
    ],
    [
      'login per account from unknown addresses',
      '/user/login',
      { LOGIN_LIMIT_PER_ACCOUNT_UNKNOWN_ADDRESSES: '2' },
      (attempt) => ({ ip: `203.0.113.${attempt + 10}`, email: 'ada@example.com' }),
    ],
    [
      'register per address',
      '/user/register',
      { REGISTER_LIMIT_PER_IP: '2' },
      (attempt) => ({ ip: '203.0.113.2', email: `user${attempt}@example.com` }),
    ],
    [
      'register per account',
      '/user/register',
      { REGISTER_LIMIT_PER_ACCOUNT: '2' },
      (attempt) => ({ ip: `203.0.113.${attempt + 20}`, email: 'taken@example.com' }),
    ],
  ];

  it.each(limits)('%s: the third attempt in the window is 429 with Retry-After, in the error shape', async (name, url, env, attempt) => {
    const { app } = await buildUser({ ...env, RATE_LIMIT_WINDOW_SECONDS: '300' });
    const statuses: number[] = [];
    let last;
    for (let index = 0; index < 3; index += 1) {
      const { ip, email } = attempt(index);
      last = await app.inject({
        method: 'POST',
        url,
        headers: { 'x-forwarded-for': ip },
        payload: url === '/user/login' ? { email, password: 'wrong password' } : { email, password: PASSWORD, name: 'N' },
      });
      statuses.push(last.statusCode);
    }
    expect(statuses[2]).toBe(429);
    expect(statuses.slice(0, 2).every((status) => status !== 429)).toBe(true);
    expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(last!.headers['retry-after'])).toBeLessThanOrEqual(300);
    expect(last!.json()).toEqual({
      statusCode: 429,
      code: 'USER_TOO_MANY_ATTEMPTS',
      error: 'Too Many Requests',
      message: 'Too many attempts, try again later',
    });
    writeReliabilityFigure({
      check: `rate limit ${name}`,
      load: `3 attempts, limit ${Object.values(env)[0]} per ${300} s (${Object.keys(env)[0]})`,
      figure: `${statuses.join(', ')}; Retry-After ${String(last!.headers['retry-after'])} s`,
      target: '429 with Retry-After past the limit',
      pass: true,
    });
  });
});
