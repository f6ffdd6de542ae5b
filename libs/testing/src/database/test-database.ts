import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import type {} from '@myshop/vitest-config';

export interface TestDatabase {
  url: string;
  name: string;
  /** Runs one query on the test database, for asserting what was (not) persisted. */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<R[]>;
  drop(): Promise<void>;
}

/** A brand-new, empty database on the test server; the app's migrations fill it. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const serverUrl = new URL(inject('databaseServerUrl'));
  const name = `myshop_test_${randomBytes(6).toString('hex')}`;
  await withClient(serverUrl.href, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(serverUrl.href);
  url.pathname = `/${name}`;

  const pool = new pg.Pool({ connectionString: url.href, max: 2 });
  // pool.end() resolves before its sockets close; DROP … WITH (FORCE) may then terminate one
  // (57P01), which the pool re-emits as 'error': expected here, and fatal to the run if unheard.
  pool.on('error', () => undefined);
  return {
    url: url.href,
    name,
    query: async (text, values) => (await pool.query(text, values)).rows,
    drop: async () => {
      await pool.end();
      await withClient(serverUrl.href, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
