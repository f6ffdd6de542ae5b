import { describe, expect, it } from 'vitest';
import { knownAddresses } from '../src/known-addresses.ts';
import { buildUser, register } from './helpers.ts';

describe('knownAddresses', () => {
  it("knows an address from its login to an account, by the account's email key, until keepDays without one", async () => {
    const { app, database } = await buildUser();
    const ada = await register(app, 'Ada@example.com');
    const known = knownAddresses(app.db, { keepDays: 30 });
    expect(await known.isKnown('ada@example.com', '198.51.100.1')).toBe(false);

    await known.remember(ada.id, '198.51.100.1');
    await known.remember(ada.id, '198.51.100.1');
    expect(await known.isKnown('ada@example.com', '198.51.100.1')).toBe(true);
    expect(await known.isKnown('ada@example.com', '198.51.100.2')).toBe(false);
    expect(await known.isKnown('grace@example.com', '198.51.100.1')).toBe(false);

    await database.query(`UPDATE known_login_addresses SET last_login_at = now() - interval '30 days 1 second'`);
    expect(await known.isKnown('ada@example.com', '198.51.100.1')).toBe(false);
    expect(await known.purgeExpired()).toBe(1);
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
