import { describe, expect, it } from 'vitest';
import { EmailTakenError } from '../src/errors.ts';
import { usersRepository } from '../src/users-repository.ts';
import { buildUser } from './helpers.ts';

const account = { name: 'Ada', passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$AAAA$AAAA' };

describe('usersRepository', () => {
  it('keeps the email as typed and stores its key beside it', async () => {
    const { app, database } = await buildUser();
    const created = await usersRepository(app.db).create({ ...account, email: 'Ada.Lovelace@Example.com' });
    expect(created.email).toBe('Ada.Lovelace@Example.com');
    expect(await database.query('SELECT email, email_key FROM users')).toEqual([
      { email: 'Ada.Lovelace@Example.com', email_key: 'ada.lovelace@example.com' },
    ]);
  });

  it('refuses a second account for any variant of a taken address, even ones the sign-up form would not let through', async () => {
    const { app, database } = await buildUser();
    const users = usersRepository(app.db);
    await users.create({ ...account, email: 'strasse.iris@example.com' });
    for (const variant of [
      'STRASSE.IRIS@example.com',
      'straße.İris@example.com',
      'ｓｔｒａｓｓｅ.iris@example.com',
      'stras\u200bse.ıris@example.com',
    ]) {
      await expect(users.create({ ...account, email: variant }), variant).rejects.toBeInstanceOf(EmailTakenError);
    }
    expect(await database.query('SELECT email FROM users')).toEqual([{ email: 'strasse.iris@example.com' }]);
  });

  it('finds the account by any spelling of its address, and nothing for another address', async () => {
    const { app } = await buildUser();
    const users = usersRepository(app.db);
    const created = await users.create({ ...account, email: 'iris@example.com' });
    for (const variant of ['İRIS@example.com', '\u00a0ırıs@ｅｘａｍｐｌｅ.com\u00a0', 'ir\u00adis@example.com']) {
      expect((await users.findByEmail(variant))?.profile.id, variant).toBe(created.id);
    }
    expect(await users.findByEmail('iriss@example.com')).toBeUndefined();
  });

  it('refuses a role the service does not know (the database allows operator only), leaving the roles as they were', async () => {
    const { app, database } = await buildUser();
    const users = usersRepository(app.db);
    const created = await users.create({ ...account, email: 'ada@example.com' });
    await expect(users.setRole(created.id, 'admin', true)).rejects.toThrow(/users_known_roles/);
    await expect(database.query(`UPDATE users SET roles = '{operator,superuser}'`)).rejects.toThrow(/users_known_roles/);
    expect(await database.query('SELECT roles FROM users')).toEqual([{ roles: [] }]);
  });

  it('finds no account, and grants nothing, for an id that is not a UUID (never a query error)', async () => {
    const { app } = await buildUser();
    const users = usersRepository(app.db);
    const created = await users.create({ ...account, email: 'ada@example.com' });
    for (const id of ['not-a-uuid', '', `urn:uuid:${created.id}`, 'x'.repeat(5000), '\u0000']) {
      expect(await users.findById(id), id.slice(0, 20)).toBeUndefined();
      expect(await users.setRole(id, 'operator', true), id.slice(0, 20)).toBeUndefined();
    }
    expect(await users.findById(created.id)).toEqual(created);
  });
});
