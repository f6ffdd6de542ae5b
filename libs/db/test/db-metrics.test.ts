import { createTestDatabase } from '@myshop/testing';
import { Registry } from 'prom-client';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createDatabase } from '../src/index.ts';
import { operationOf } from '../src/db-metrics.ts';

async function measuredDatabase(poolMax = 3) {
  const testDatabase = await createTestDatabase();
  onTestFinished(() => testDatabase.drop());
  const registry = new Registry();
  const database = createDatabase({ url: testDatabase.url, poolMax, metricsRegistry: registry });
  onTestFinished(() => database.close());
  const sample = async (name: string, labels: Record<string, string> = {}) => {
    const metric = (await registry.getMetricsAsJSON()).find((candidate) => candidate.name === name.replace(/_count$/, ''));
    const found = (metric?.values ?? []).find(
      (value) =>
        ((value as { metricName?: string }).metricName ?? metric?.name) === name &&
        Object.entries(labels).every(([key, wanted]) => value.labels[key] === wanted),
    );
    return found?.value;
  };
  return { database, registry, sample };
}

describe('database metrics', () => {
  it('times every statement by verb and outcome, inside transactions too', async () => {
    const { database, sample } = await measuredDatabase();
    await database.query('SELECT 1');
    await database.query('  select 2');
    await expect(database.query('SELECT * FROM no_such_table')).rejects.toThrow();
    await database.transaction(async (tx) => {
      await tx.query('CREATE TABLE t (id int)');
      await tx.query('INSERT INTO t VALUES (1)');
    });
    await expect(database.transaction(async (tx) => tx.query('INSERT INTO nowhere VALUES (1)'))).rejects.toThrow();

    const count = (operation: string, outcome: string) => sample('db_query_duration_seconds_count', { operation, outcome });
    expect(await count('SELECT', 'ok')).toBe(2);
    expect(await count('SELECT', 'error')).toBe(1);
    expect(await count('BEGIN', 'ok')).toBe(2);
    expect(await count('COMMIT', 'ok')).toBe(1);
    expect(await count('ROLLBACK', 'ok')).toBe(1);
    expect(await count('INSERT', 'ok')).toBe(1);
    expect(await count('INSERT', 'error')).toBe(1);
    expect(await count('OTHER', 'ok')).toBe(1);
  });

  it('reports the pool: idle and used connections, its size and who waits', async () => {
    const { database, sample } = await measuredDatabase(2);
    expect(await sample('db_pool_max_connections')).toBe(2);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const holders = [1, 2].map(() => database.transaction(async () => held));
    const waiting = database.query('SELECT 1');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await sample('db_pool_connections', { state: 'used' })).toBe(2);
    expect(await sample('db_pool_waiting_requests')).toBe(1);
    release();
    await Promise.all([...holders, waiting]);
    expect(await sample('db_pool_connections', { state: 'used' })).toBe(0);
    expect(await sample('db_pool_connections', { state: 'idle' })).toBe(2);
    expect(await sample('db_pool_waiting_requests')).toBe(0);
  });

  it('labels statements by verb only, never by their text', () => {
    expect(operationOf("SELECT * FROM users WHERE email = 'a@b.co'")).toBe('SELECT');
    expect(operationOf('WITH moved AS (DELETE FROM carts RETURNING *) INSERT INTO orders SELECT * FROM moved')).toBe('INSERT');
    expect(operationOf('update carts set x = 1')).toBe('UPDATE');
    expect(operationOf('CREATE TABLE t (id int)')).toBe('OTHER');
  });

  it('labels a statement with common table expressions by its main statement, whatever the CTEs nest', () => {
    const charge =
      'WITH work AS (INSERT INTO charges (id, amount) VALUES ($1, $2) RETURNING id), key AS (SELECT max(id) FROM keys) ' +
      'INSERT INTO idempotency_keys (key, charge_id) SELECT $3, id FROM work';
    expect(operationOf(charge)).toBe('INSERT');
    expect(operationOf('WITH x AS (SELECT max(a) FROM t) UPDATE t SET a = (SELECT max FROM x)')).toBe('UPDATE');
    expect(operationOf('with recursive n (i) as (select 1 union all select i + 1 from n where i < 3) delete from t using n')).toBe(
      'DELETE',
    );
    expect(operationOf('WITH x AS (SELECT \')\' AS p, "a)b" FROM t) SELECT * FROM x')).toBe('SELECT');
    expect(operationOf('WITH x AS (SELECT 1) VALUES (1)')).toBe('OTHER');
    const commented = `WITH x AS (
      -- the feed's page (an apostrophe in a comment is no quote)
      SELECT 1 /* nor in this one's */ FROM t WHERE s <> 'failed'
    ) UPDATE t SET a = 1 FROM x`;
    expect(operationOf(commented)).toBe('UPDATE');
  });
});
