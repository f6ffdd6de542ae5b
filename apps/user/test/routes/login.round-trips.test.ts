import { statementsSent } from '@myshop/testing';
import { describe, expect, it } from 'vitest';
import { KNOWN_ADDRESS_REFRESH_SECONDS } from '../../src/known-addresses.ts';
import { buildUser, loginFrom, PASSWORD, register } from '../helpers.ts';

describe('POST /user/login round trips to the database', () => {
  it('refreshes a known address at most once per refresh time: a returning login sends one statement fewer', async () => {
    const { app, database } = await buildUser();
    const ada = await register(app);
    const login = async () => {
      const before = await statementsSent(app);
      const response = await loginFrom(app, '198.51.100.1', 'ada@example.com', PASSWORD);
      expect(response.statusCode).toBe(200);
      return (await statementsSent(app)) - before;
    };
    const lastLogin = async () =>
      (
        await database.query<{ at: Date }>(
          `SELECT last_login_at AS at FROM known_login_addresses WHERE user_id = $1 AND address = '198.51.100.1'`,
          [ada.id],
        )
      )[0]?.at;

    // From a new address: two limits, the address's standing, the limit for unknown addresses,
    // the account, remembering the address, clearing its counter.
    expect(await login()).toBe(7);
    const remembered = await lastLogin();
    expect(remembered).toBeInstanceOf(Date);

    // Again within the refresh time: the two limits, the standing, the account, clearing the
    // counter. The address's record is left as it is.
    expect(await login()).toBe(5);
    expect(await lastLogin()).toEqual(remembered);

    // Past it, the login refreshes the record, so the address stays known for LOGIN_KNOWN_ADDRESS_DAYS more.
    await database.query('UPDATE known_login_addresses SET last_login_at = now() - make_interval(secs => $1 + 1)', [
      KNOWN_ADDRESS_REFRESH_SECONDS,
    ]);
    const stale = await lastLogin();
    expect(await login()).toBe(5 + 1);
    expect((await lastLogin())!.getTime()).toBeGreaterThan(stale!.getTime() + KNOWN_ADDRESS_REFRESH_SECONDS * 1000);
  });

  it('a failed login writes no known address, from the known one or a new one', async () => {
    const { app, database } = await buildUser();
    await register(app);
    expect((await loginFrom(app, '198.51.100.1', 'ada@example.com', PASSWORD)).statusCode).toBe(200);
    expect((await loginFrom(app, '198.51.100.1', 'ada@example.com')).statusCode).toBe(401);
    expect((await loginFrom(app, '198.51.100.2', 'ada@example.com')).statusCode).toBe(401);
    // Only the sign-up address (register's) and the one that logged in.
    expect(await database.query('SELECT address FROM known_login_addresses ORDER BY address')).toEqual([
      { address: '127.0.0.1' },
      { address: '198.51.100.1' },
    ]);
  });
});
