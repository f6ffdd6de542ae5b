import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMigrations } from '@myshop/db';
import { createTestDatabase } from '@myshop/testing';
import { describe, expect, it, onTestFinished } from 'vitest';
import { migrationsDir } from '../../src/app.ts';

/** A database with the users table as it was before email keys, holding `emails` (oldest first). */
async function databaseBeforeEmailKeys(emails: string[]) {
  const database = await createTestDatabase();
  onTestFinished(() => database.drop());
  const firstOnly = mkdtempSync(join(tmpdir(), 'myshop-user-migrations-'));
  copyFileSync(join(migrationsDir, '0001_create_users.sql'), join(firstOnly, '0001_create_users.sql'));
  await runMigrations({ url: database.url, dir: firstOnly });
  for (const [index, email] of emails.entries()) {
    await database.query(
      `INSERT INTO users (email, name, password_hash, created_at) VALUES ($1, 'N', 'x', now() - make_interval(days => $2))`,
      [email, emails.length - index],
    );
  }
  return database;
}

describe('migration 0002_canonical_email_key', () => {
  it('gives existing accounts the key the service computes, unique, in place of lower(email)', async () => {
    const database = await databaseBeforeEmailKeys(['Ada@Example.com', 'GRACE.HOPPER@example.org', 'İris@example.com']);
    await runMigrations({ url: database.url, dir: migrationsDir });
    expect(await database.query('SELECT email, email_key FROM users ORDER BY created_at')).toEqual([
      { email: 'Ada@Example.com', email_key: 'ada@example.com' },
      { email: 'GRACE.HOPPER@example.org', email_key: 'grace.hopper@example.org' },
      { email: 'İris@example.com', email_key: 'iris@example.com' },
    ]);
    const indexes = await database.query<{ indexname: string }>(
      `SELECT indexname FROM pg_indexes WHERE tablename = 'users' ORDER BY indexname`,
    );
    expect(indexes.map((index) => index.indexname)).toEqual(['users_email_key_key', 'users_pkey']);
    await expect(
      database.query(`INSERT INTO users (email, email_key, name, password_hash) VALUES ('ADA@example.com', 'ada@example.com', 'N', 'x')`),
    ).rejects.toThrow(/users_email_key_key/);
    // Every account has a key: NULLs never collide in a unique index, so keyless accounts could share an address.
    await expect(database.query(`INSERT INTO users (email, name, password_hash) VALUES ('ada@example.com', 'N', 'x')`)).rejects.toThrow(
      /email_key/,
    );
  });

  it('stops, naming both accounts, when two existing addresses share a key; nothing is changed', async () => {
    const database = await databaseBeforeEmailKeys(['strasse@example.com', 'STRAẞE@example.com', 'ada@example.com']);
    const ids = await database.query<{ id: string }>('SELECT id FROM users ORDER BY created_at');
    await expect(runMigrations({ url: database.url, dir: migrationsDir })).rejects.toThrow(`${ids[0]!.id} and ${ids[1]!.id}`);
    const columns = await database.query(
      `SELECT column_name FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'email_key'`,
    );
    expect(columns).toEqual([]);
    expect(await database.query('SELECT name FROM schema_migrations ORDER BY name')).toEqual([{ name: '0001_create_users' }]);
  });
});
