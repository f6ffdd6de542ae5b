import { describe, expect, it } from 'vitest';
import { buildUser, loginFrom, PASSWORD, register, registerFrom, TOO_MANY_ATTEMPTS } from '../helpers.ts';

const statusesOf = async (attempts: Array<() => Promise<{ statusCode: number }>>) => {
  const statuses = [];
  for (const attempt of attempts) statuses.push((await attempt()).statusCode);
  return statuses;
};

/** Limits high enough to stay out of the way of the one under test. */
const OTHERS_UNLIMITED = { LOGIN_LIMIT_PER_IP: '1000', LOGIN_LIMIT_PER_ACCOUNT: '1000', LOGIN_LIMIT_PER_ACCOUNT_UNKNOWN_ADDRESSES: '1000' };

describe('attempt limits of POST /user/login', () => {
  it('refuses one address past LOGIN_LIMIT_PER_IP attempts over all accounts with 429 and Retry-After; other addresses go on', async () => {
    const { app, database } = await buildUser({ LOGIN_LIMIT_PER_IP: '5', RATE_LIMIT_WINDOW_SECONDS: '120' });
    const statuses = await statusesOf(Array.from({ length: 6 }, (_, i) => () => loginFrom(app, '203.0.113.7', `user${i}@example.com`)));
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    const refused = await loginFrom(app, '203.0.113.7', 'someone@example.com');
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBe('120');
    expect(refused.json()).toEqual(TOO_MANY_ATTEMPTS);
    expect((await loginFrom(app, '192.0.2.55', 'someone@example.com')).statusCode).toBe(401);
    expect(await database.query(`SELECT hits FROM attempt_counters WHERE scope = 'login:address' ORDER BY hits`)).toEqual([
      { hits: 1 },
      { hits: 7 },
    ]);
  });

  it('counts the address the proxy saw, whatever the client wrote into X-Forwarded-For itself', async () => {
    const { app } = await buildUser({ LOGIN_LIMIT_PER_IP: '2' });
    const spoofing = (i: number) => () =>
      app.inject({
        method: 'POST',
        url: '/user/login',
        headers: { 'x-forwarded-for': `10.0.0.${i}, 203.0.113.7` },
        payload: { email: `u${i}@example.com`, password: 'wrong password' },
      });
    expect(await statusesOf([spoofing(1), spoofing(2), spoofing(3)])).toEqual([401, 401, 429]);
  });

  it('counts IPv6 clients by their /64 network', async () => {
    const { app } = await buildUser({ LOGIN_LIMIT_PER_IP: '2' });
    const from = (ip: string) => () => loginFrom(app, ip, 'someone@example.com');
    expect(
      await statusesOf([from('2001:db8:1:2::1'), from('2001:db8:1:2::abcd'), from('2001:db8:1:2:ffff::1'), from('2001:db8:1:3::1')]),
    ).toEqual([401, 401, 429, 401]);
  });

  it('blocks one address guessing one account past LOGIN_LIMIT_PER_ACCOUNT, even with the right password; other addresses may still try', async () => {
    const { app } = await buildUser({ LOGIN_LIMIT_PER_ACCOUNT: '3', RATE_LIMIT_WINDOW_SECONDS: '120' });
    await register(app);
    const guess = () => loginFrom(app, '203.0.113.7', 'ada@example.com');
    expect(await statusesOf([guess, guess, guess])).toEqual([401, 401, 401]);
    const blocked = await loginFrom(app, '203.0.113.7', ' ADA@example.com ');
    expect(blocked.statusCode).toBe(429);
    expect(blocked.headers['retry-after']).toBe('120');
    expect(blocked.json()).toEqual(TOO_MANY_ATTEMPTS);
    expect((await loginFrom(app, '203.0.113.7', 'ada@example.com', PASSWORD)).statusCode).toBe(429);
    expect((await loginFrom(app, '198.51.100.1', 'ada@example.com')).statusCode).toBe(401);
    expect((await loginFrom(app, '198.51.100.1', 'ada@example.com', PASSWORD)).statusCode).toBe(200);
    expect((await loginFrom(app, '203.0.113.7', 'grace@example.com')).statusCode).toBe(401);
  });

  it('doubles the block each time an address exceeds it again, up to LOGIN_BACKOFF_MAX_SECONDS', async () => {
    const env = { ...OTHERS_UNLIMITED, LOGIN_LIMIT_PER_ACCOUNT: '2', RATE_LIMIT_WINDOW_SECONDS: '60', LOGIN_BACKOFF_MAX_SECONDS: '300' };
    const { app, database } = await buildUser(env);
    await register(app);
    const blocks = [];
    for (let round = 0; round < 5; round += 1) {
      const statuses = await statusesOf([1, 2].map(() => () => loginFrom(app, '203.0.113.7', 'ada@example.com')));
      expect(statuses).toEqual([401, 401]);
      const refused = await loginFrom(app, '203.0.113.7', 'ada@example.com');
      expect(refused.statusCode).toBe(429);
      blocks.push(Number(refused.headers['retry-after']));
      // The block ends.
      await database.query(`UPDATE attempt_counters SET window_ends_at = now() - interval '1 second'`);
    }
    expect(blocks).toEqual([60, 120, 240, 300, 300]);
  });

  it("clears an address's count and back-off when it logs in successfully", async () => {
    const { app, database } = await buildUser({ ...OTHERS_UNLIMITED, LOGIN_LIMIT_PER_ACCOUNT: '3', LOGIN_BACKOFF_MAX_SECONDS: '3600' });
    await register(app);
    const guess = () => loginFrom(app, '203.0.113.7', 'ada@example.com');
    const owner = () => loginFrom(app, '203.0.113.7', 'ada@example.com', PASSWORD);
    // A first block, which has ended: the next would be twice as long.
    expect(await statusesOf([guess, guess, guess, guess])).toEqual([401, 401, 401, 429]);
    await database.query(`UPDATE attempt_counters SET window_ends_at = now() - interval '1 second'`);
    expect(await statusesOf([guess, guess, owner])).toEqual([401, 401, 200]);
    expect(await database.query(`SELECT * FROM attempt_counters WHERE scope = 'login:account+address'`)).toEqual([]);
    expect(await statusesOf([guess, guess, guess])).toEqual([401, 401, 401]);
    const refused = await guess();
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBe('60');
  });

  it('keeps an address blocked on one account when it logs in to another account of its own', async () => {
    const { app } = await buildUser({ ...OTHERS_UNLIMITED, LOGIN_LIMIT_PER_ACCOUNT: '2' });
    await register(app);
    await register(app, 'mallory@example.com');
    const guess = () => loginFrom(app, '203.0.113.7', 'ada@example.com');
    expect(await statusesOf([guess, guess, guess])).toEqual([401, 401, 429]);
    expect((await loginFrom(app, '203.0.113.7', 'mallory@example.com', PASSWORD)).statusCode).toBe(200);
    expect((await guess()).statusCode).toBe(429);
    expect((await loginFrom(app, '203.0.113.7', 'ada@example.com', PASSWORD)).statusCode).toBe(429);
  });

  it('stops many addresses guessing one account past LOGIN_LIMIT_PER_ACCOUNT_UNKNOWN_ADDRESSES; the owner still logs in from an address they used before', async () => {
    const { app, database } = await buildUser({ LOGIN_LIMIT_PER_ACCOUNT_UNKNOWN_ADDRESSES: '4', RATE_LIMIT_WINDOW_SECONDS: '120' });
    const ada = await register(app);
    // The owner's first login, from an address still unknown, is the first of the four.
    expect((await loginFrom(app, '198.51.100.1', 'ada@example.com', PASSWORD)).statusCode).toBe(200);
    // Known now: the address the account was signed up from (register's) and the one just used.
    expect(await database.query('SELECT user_id, address FROM known_login_addresses ORDER BY address')).toEqual([
      { user_id: ada.id, address: '127.0.0.1' },
      { user_id: ada.id, address: '198.51.100.1' },
    ]);

    const stranger = (i: number, password?: string) => () => loginFrom(app, `203.0.113.${i}`, 'ada@example.com', password);
    expect(await statusesOf([stranger(1), stranger(2), stranger(3), stranger(4), stranger(5, PASSWORD)])).toEqual([
      401, 401, 401, 429, 429,
    ]);
    const owner = await loginFrom(app, '198.51.100.1', 'ADA@example.com', PASSWORD);
    expect(owner.statusCode).toBe(200);
    expect(owner.json()).toMatchObject({ tokenType: 'Bearer' });
    // Other accounts are not throttled for those addresses.
    expect((await loginFrom(app, '203.0.113.6', 'grace@example.com')).statusCode).toBe(401);
  });

  it('lets the owner in from an address known to the account but not used within the last hour, while strangers keep its unknown-address limit exceeded', async () => {
    const { app, database } = await buildUser({ LOGIN_LIMIT_PER_ACCOUNT_UNKNOWN_ADDRESSES: '2', LOGIN_KNOWN_ADDRESS_DAYS: '30' });
    await register(app);
    expect((await loginFrom(app, '198.51.100.1', 'ada@example.com', PASSWORD)).statusCode).toBe(200);
    expect((await loginFrom(app, '203.0.113.1', 'ada@example.com')).statusCode).toBe(401);
    expect((await loginFrom(app, '203.0.113.2', 'ada@example.com')).statusCode).toBe(429);
    // Known, though past the hour in which a login leaves the record as it is.
    await database.query(`UPDATE known_login_addresses SET last_login_at = now() - interval '2 days'`);
    expect((await loginFrom(app, '198.51.100.1', 'ada@example.com', PASSWORD)).statusCode).toBe(200);
  });

  it('doubles the block of the unknown-address limit each time strangers exceed it again, up to LOGIN_BACKOFF_MAX_SECONDS', async () => {
    const env = {
      ...OTHERS_UNLIMITED,
      LOGIN_LIMIT_PER_ACCOUNT_UNKNOWN_ADDRESSES: '2',
      RATE_LIMIT_WINDOW_SECONDS: '60',
      LOGIN_BACKOFF_MAX_SECONDS: '200',
    };
    const { app, database } = await buildUser(env);
    await register(app);
    const blocks = [];
    for (let round = 0; round < 3; round += 1) {
      // A new address for every attempt: the per-address limits never see one twice.
      const stranger = (i: number) => () => loginFrom(app, `203.0.113.${round * 3 + i}`, 'ada@example.com');
      expect(await statusesOf([stranger(1), stranger(2)])).toEqual([401, 401]);
      const refused = await stranger(3)();
      expect(refused.statusCode).toBe(429);
      blocks.push(Number(refused.headers['retry-after']));
      await database.query(`UPDATE attempt_counters SET window_ends_at = now() - interval '1 second'`);
    }
    expect(blocks).toEqual([60, 120, 200]);
  });

  it('lets a new account in from the address it signed up from, while strangers keep its unknown-address limit exceeded', async () => {
    const { app, database } = await buildUser({ LOGIN_LIMIT_PER_ACCOUNT_UNKNOWN_ADDRESSES: '3', RATE_LIMIT_WINDOW_SECONDS: '120' });
    // Strangers guess at an address before its owner signs up: the counter is by email key.
    const stranger = (i: number, password?: string) => () => loginFrom(app, `203.0.113.${i}`, 'ada@example.com', password);
    expect(await statusesOf([stranger(1), stranger(2), stranger(3), stranger(4)])).toEqual([401, 401, 401, 429]);

    const signUp = await registerFrom(app, '198.51.100.1', 'ada@example.com');
    expect(signUp.statusCode).toBe(201);
    // A sign-up refused as taken makes nobody's address known.
    expect((await registerFrom(app, '203.0.113.9', 'ADA@example.com')).statusCode).toBe(409);
    expect(await database.query('SELECT user_id, address FROM known_login_addresses')).toEqual([
      { user_id: signUp.json().id, address: '198.51.100.1' },
    ]);

    expect((await loginFrom(app, '198.51.100.1', 'ada@example.com', PASSWORD)).statusCode).toBe(200);
    expect((await stranger(9, PASSWORD)()).statusCode).toBe(429);
  });

  it('leaves the record of an address used within the hour as it is at the next login (one statement fewer), and refreshes an older one', async () => {
    const { app, database } = await buildUser();
    await register(app);
    const lastLogin = async () =>
      (await database.query<{ at: Date }>(`SELECT last_login_at AS at FROM known_login_addresses WHERE address = '198.51.100.1'`))[0]!.at;
    expect((await loginFrom(app, '198.51.100.1', 'ada@example.com', PASSWORD)).statusCode).toBe(200);
    const first = await lastLogin();
    expect((await loginFrom(app, '198.51.100.1', 'ada@example.com', PASSWORD)).statusCode).toBe(200);
    expect(await lastLogin()).toEqual(first);
    await database.query(`UPDATE known_login_addresses SET last_login_at = now() - interval '2 hours'`);
    expect((await loginFrom(app, '198.51.100.1', 'ada@example.com', PASSWORD)).statusCode).toBe(200);
    expect((await lastLogin()).getTime()).toBeGreaterThan(first.getTime());
  });

  it('forgets a known address after LOGIN_KNOWN_ADDRESS_DAYS without a login from it', async () => {
    const { app, database } = await buildUser({ LOGIN_LIMIT_PER_ACCOUNT_UNKNOWN_ADDRESSES: '2', LOGIN_KNOWN_ADDRESS_DAYS: '30' });
    await register(app);
    expect((await loginFrom(app, '198.51.100.1', 'ada@example.com', PASSWORD)).statusCode).toBe(200);
    expect((await loginFrom(app, '203.0.113.1', 'ada@example.com')).statusCode).toBe(401);
    expect((await loginFrom(app, '203.0.113.2', 'ada@example.com')).statusCode).toBe(429);
    expect((await loginFrom(app, '198.51.100.1', 'ada@example.com', PASSWORD)).statusCode).toBe(200);
    await database.query(`UPDATE known_login_addresses SET last_login_at = now() - interval '31 days'`);
    expect((await loginFrom(app, '198.51.100.1', 'ada@example.com', PASSWORD)).statusCode).toBe(429);
  });
});

describe('attempt limits of POST /user/register', () => {
  it('limits sign-ups per address and per email key, whatever its spelling', async () => {
    const { app, database } = await buildUser({ REGISTER_LIMIT_PER_IP: '2', REGISTER_LIMIT_PER_ACCOUNT: '2' });
    expect((await registerFrom(app, '192.0.2.1', 'a@example.com')).statusCode).toBe(201);
    expect((await registerFrom(app, '192.0.2.1', 'b@example.com')).statusCode).toBe(201);
    const refused = await registerFrom(app, '192.0.2.1', 'c@example.com');
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toEqual(TOO_MANY_ATTEMPTS);
    expect(Number(refused.headers['retry-after'])).toBe(60);
    expect((await registerFrom(app, '192.0.2.2', 'A@example.com')).statusCode).toBe(409);
    expect((await registerFrom(app, '192.0.2.3', ' a@EXAMPLE.com')).statusCode).toBe(429);
    expect(await database.query('SELECT email FROM users ORDER BY email')).toEqual([
      { email: 'a@example.com' },
      { email: 'b@example.com' },
    ]);
  });
});

describe('purging expired attempt counters', () => {
  it('deletes expired counters and known addresses, and nothing else', async () => {
    const { app, database } = await buildUser({ LOGIN_KNOWN_ADDRESS_DAYS: '30' });
    await register(app);
    await register(app, 'grace@example.com');
    expect((await loginFrom(app, '198.51.100.1', 'ada@example.com', PASSWORD)).statusCode).toBe(200);
    expect((await loginFrom(app, '198.51.100.2', 'grace@example.com', PASSWORD)).statusCode).toBe(200);
    expect((await loginFrom(app, '203.0.113.1', 'ada@example.com')).statusCode).toBe(401);
    expect((await loginFrom(app, '203.0.113.2', 'ada@example.com')).statusCode).toBe(401);
    await database.query(
      `UPDATE attempt_counters SET window_ends_at = now() - interval '2 seconds', expires_at = now() - interval '1 second' WHERE hits = 1 AND scope = 'login:address'`,
    );
    await database.query(`UPDATE known_login_addresses SET last_login_at = now() - interval '31 days' WHERE address = '198.51.100.2'`);
    const before = await database.query<{ n: number }>('SELECT count(*)::int AS n FROM attempt_counters');

    await app.attemptLimits.purgeExpired();
    expect(await database.query('SELECT count(*)::int AS n FROM attempt_counters')).toEqual([{ n: before[0]!.n - 4 }]);
    expect(await database.query('SELECT count(*)::int AS n FROM attempt_counters WHERE expires_at <= now()')).toEqual([{ n: 0 }]);
    // Left: the two accounts' sign-up address (register's) and Ada's recent login.
    expect(await database.query('SELECT address FROM known_login_addresses ORDER BY address')).toEqual([
      { address: '127.0.0.1' },
      { address: '127.0.0.1' },
      { address: '198.51.100.1' },
    ]);
  });
});
