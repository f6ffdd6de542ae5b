import { describe, expect, it } from 'vitest';
import { KNOWN_ADDRESS_REFRESH_SECONDS, knownAddresses } from '../src/known-addresses.ts';
import { buildUser, register } from './helpers.ts';

describe('knownAddresses', () => {
  it("knows an address from its login to an account, by the account's email key, until keepDays without one", async () => {
    const { app, database } = await buildUser();
    const ada = await register(app, 'Ada@example.com');
    const known = knownAddresses(app.db, { keepDays: 30 });
    expect(await known.standing('ada@example.com', '198.51.100.1')).toBe('unknown');

    await known.remember(ada.id, '198.51.100.1');
    await known.remember(ada.id, '198.51.100.1');
    expect(await known.standing('ada@example.com', '198.51.100.1')).toBe('known-recently');
    expect(await known.standing('ada@example.com', '198.51.100.2')).toBe('unknown');
    expect(await known.standing('grace@example.com', '198.51.100.1')).toBe('unknown');

    // Past the refresh time the address is still known; its next login refreshes the record.
    await database.query(`UPDATE known_login_addresses SET last_login_at = now() - make_interval(secs => $1 + 1)`, [
      KNOWN_ADDRESS_REFRESH_SECONDS,
    ]);
    expect(await known.standing('ada@example.com', '198.51.100.1')).toBe('known');
    await known.remember(ada.id, '198.51.100.1');
    expect(await known.standing('ada@example.com', '198.51.100.1')).toBe('known-recently');

    await database.query(`UPDATE known_login_addresses SET last_login_at = now() - interval '30 days 1 second'`);
    expect(await known.standing('ada@example.com', '198.51.100.1')).toBe('unknown');
    // That address and the one the account was signed up from (register's), aged alike.
    expect(await known.purgeExpired()).toBe(2);
    expect(await database.query('SELECT * FROM known_login_addresses')).toEqual([]);
  });

  it('forgets the addresses of an account that is deleted', async () => {
    const { app, database } = await buildUser();
    const ada = await register(app);
    await knownAddresses(app.db, { keepDays: 30 }).remember(ada.id, '198.51.100.1');
    await database.query('DELETE FROM users');
    expect(await database.query('SELECT * FROM known_login_addresses')).toEqual([]);
  });
});
