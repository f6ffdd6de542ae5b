import { createTestDatabase } from '@myshop/testing';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createDatabase, isDatabaseUnavailable, isUniqueViolation, runMigrations } from '../src/index.ts';

const migrationsDir = new URL('./fixtures/migrations/', import.meta.url).pathname;

async function migratedDatabase() {
  const testDatabase = await createTestDatabase();
  onTestFinished(() => testDatabase.drop());
  await runMigrations({ url: testDatabase.url, dir: migrationsDir });
  const database = createDatabase({ url: testDatabase.url, poolMax: 4 });
  onTestFinished(() => database.close());
  return { testDatabase, database };
}

describe('runMigrations', () => {
  it('applies each versioned file once, in order', async () => {
    const testDatabase = await createTestDatabase();
    onTestFinished(() => testDatabase.drop());
    expect(await runMigrations({ url: testDatabase.url, dir: migrationsDir })).toEqual(['0001_create_things', '0002_add_note']);
    expect(await runMigrations({ url: testDatabase.url, dir: migrationsDir })).toEqual([]);
    const columns = await testDatabase.query<{ column_name: string }>(
      "SELECT column_name FROM information_schema.columns WHERE table_name = 'things' ORDER BY ordinal_position",
    );
    expect(columns.map((column) => column.column_name)).toEqual(['id', 'name', 'amount', 'note']);
  });

  it('lets replicas starting together migrate once: the others wait on the lock', async () => {
    const testDatabase = await createTestDatabase();
    onTestFinished(() => testDatabase.drop());
    const runs = await Promise.all([1, 2, 3].map(() => runMigrations({ url: testDatabase.url, dir: migrationsDir })));
    expect(runs.flat().sort()).toEqual(['0001_create_things', '0002_add_note']);
    const applied = await testDatabase.query('SELECT name FROM schema_migrations');
    expect(applied).toHaveLength(2);
  });
});

describe('createDatabase', () => {
  it('returns bigint amounts as numbers', async () => {
    const { database } = await migratedDatabase();
    await database.query('INSERT INTO things (name, amount) VALUES ($1, $2)', ['big', 99_999_999_999]);
    const { rows } = await database.query<{ amount: number }>('SELECT amount FROM things');
    expect(rows[0]!.amount).toBe(99_999_999_999);
  });

  it('commits a transaction that resolves and rolls back one that throws', async () => {
    const { database, testDatabase } = await migratedDatabase();
    await database.transaction(async (client) => {
      await client.query("INSERT INTO things (name) VALUES ('kept')");
    });
    await expect(
      database.transaction(async (client) => {
        await client.query("INSERT INTO things (name) VALUES ('half-written')");
        throw new Error('failed after the first write');
      }),
    ).rejects.toThrow('failed after the first write');
    expect(await testDatabase.query('SELECT name FROM things')).toEqual([{ name: 'kept' }]);
  });

  it('recognises a unique violation by constraint', async () => {
    const { database } = await migratedDatabase();
    await database.query("INSERT INTO things (name) VALUES ('once')");
    const error = await database.query("INSERT INTO things (name) VALUES ('once')").catch((caught: unknown) => caught);
    expect(isUniqueViolation(error)).toBe(true);
    expect(isUniqueViolation(error, 'things_name_key')).toBe(true);
    expect(isUniqueViolation(error, 'other_key')).toBe(false);
  });

  it('turns an unreachable server into a 503 the client may retry', async () => {
    const database = createDatabase({ url: 'postgres://nobody@127.0.0.1:1/none', poolMax: 1, connectionTimeoutMs: 500 });
    onTestFinished(() => database.close());
    const error = (await database.query('SELECT 1').catch((caught: unknown) => caught)) as { statusCode?: number; code?: string; cause?: unknown };
    expect(error.statusCode).toBe(503);
    expect(error.code).toBe('SERVICE_UNAVAILABLE');
    expect(isDatabaseUnavailable(error.cause)).toBe(true);
    const inTransaction = (await database.transaction(async () => 1).catch((caught: unknown) => caught)) as { statusCode?: number };
    expect(inTransaction.statusCode).toBe(503);
  });

  it('leaves a bad query a bad query, not an outage', async () => {
    const { database } = await migratedDatabase();
    const error = await database.query('SELECT * FROM no_such_table').catch((caught: unknown) => caught);
    expect(isDatabaseUnavailable(error)).toBe(false);
    expect((error as { code?: string }).code).toBe('42P01');
  });
});
