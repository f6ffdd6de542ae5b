import { describe, expect, it } from 'vitest';
import { buildUser, loginFrom, PASSWORD, register, registerFrom } from '../helpers.ts';

const OVERLOADED = {
  statusCode: 503,
  code: 'SERVICE_OVERLOADED',
  error: 'Service Unavailable',
  message: 'The service is overloaded, try again shortly',
};

/** A stored hash whose parameters (64 MiB, ten passes) make a check hold its slot for a while. */
const SLOW_HASH = `$argon2id$v=19$m=65536,t=10,p=1$${'A'.repeat(22)}$${'A'.repeat(43)}`;

/** How many answers had each status. */
const countStatuses = (responses: Array<{ statusCode: number }>) =>
  responses.reduce<Record<number, number>>((counts, { statusCode }) => ({ ...counts, [statusCode]: (counts[statusCode] ?? 0) + 1 }), {});

describe('password hashing under a flood', () => {
  it('answers logins past PASSWORD_HASHES_MAX_PENDING 503 SERVICE_OVERLOADED with Retry-After, and logs in once they are done', async () => {
    const { app } = await buildUser({ PASSWORD_HASHES_MAX_PENDING: '2' });
    await register(app);
    // Twelve addresses, twelve unknown accounts: no attempt limit stops any of them before its hash.
    const flood = await Promise.all(
      Array.from({ length: 12 }, (_, index) => loginFrom(app, `198.51.100.${index + 1}`, `stranger${index}@example.com`)),
    );
    const shed = flood.filter((response) => response.statusCode === 503);
    expect(shed.length, JSON.stringify(countStatuses(flood))).toBeGreaterThan(0);
    for (const response of shed) {
      expect(response.json()).toEqual(OVERLOADED);
      expect(response.headers['retry-after']).toBe('1');
    }
    expect(flood.every((response) => response.statusCode === 401 || response.statusCode === 503)).toBe(true);
    expect(flood.filter((response) => response.statusCode === 401).length).toBeGreaterThanOrEqual(2);

    const after = await loginFrom(app, '192.0.2.1', 'ada@example.com', PASSWORD);
    expect(after.statusCode).toBe(200);
  });

  it('counts no login it sheds toward the attempt limits: a client retrying through an overload keeps its attempts', async () => {
    const { app } = await buildUser({ PASSWORD_HASHES_MAX_PENDING: '1', LOGIN_LIMIT_PER_IP: '3', LOGIN_LIMIT_PER_ACCOUNT: '3' });
    await register(app);
    // The one hash slot held by a slow check while Ada's own logins arrive: each finds no room.
    const held = app.passwords.check(SLOW_HASH, 'anything');
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const shed = await loginFrom(app, '192.0.2.7', 'ada@example.com', PASSWORD);
      expect(shed.statusCode, shed.body).toBe(503);
    }
    expect(await held).toBe('mismatch');
    // Five refusals past a limit of three: counted, they would have blocked the address.
    const login = await loginFrom(app, '192.0.2.7', 'ada@example.com', PASSWORD);
    expect(login.statusCode, login.body).toBe(200);
  });

  it('counts no sign-up it sheds toward the attempt limits', async () => {
    const { app } = await buildUser({ PASSWORD_HASHES_MAX_PENDING: '1', REGISTER_LIMIT_PER_IP: '2' });
    const held = app.passwords.check(SLOW_HASH, 'anything');
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const shed = await registerFrom(app, '192.0.2.8', `new${attempt}@example.com`);
      expect(shed.statusCode, shed.body).toBe(503);
    }
    await held;
    const signUp = await registerFrom(app, '192.0.2.8', 'new0@example.com');
    expect(signUp.statusCode, signUp.body).toBe(201);
  });

  it('creates no account for a sign-up it sheds', async () => {
    const { app, database } = await buildUser({ PASSWORD_HASHES_MAX_PENDING: '1' });
    const signUps = await Promise.all(
      Array.from({ length: 6 }, (_, index) => registerFrom(app, `198.51.100.${index + 1}`, `new${index}@example.com`)),
    );
    const created = signUps.filter((response) => response.statusCode === 201).length;
    expect(countStatuses(signUps)).toEqual({ 201: created, 503: 6 - created });
    expect(created).toBeGreaterThanOrEqual(1);
    expect(created).toBeLessThan(6);
    expect(await database.query('SELECT count(*)::int AS accounts FROM users')).toEqual([{ accounts: created }]);
  });
});
