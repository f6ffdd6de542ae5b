import pg from 'pg';
import type { Database } from './database.ts';

/** Longest the probe's own statement may take; the health plugin gives up on it after a second anyway. */
const PROBE_STATEMENT_TIMEOUT_MS = 1000;

/**
 * The database's readiness check: the server answers a statement. Through the pool while it has a
 * connection to spare; when every connection is taken by requests, on a short-lived connection of
 * its own. Behind the requests the probe would wait for a connection and time out, and a replica
 * busy with slow queries would leave the Service's endpoints for being busy (every replica at
 * once, under the same slow pattern); on its own connection it fails only when the server does not
 * answer.
 */
export function databaseReadinessCheck(database: Database, url: string, connectTimeoutMs: number): () => Promise<unknown> {
  return async () => {
    const { pool } = database;
    const busy = pool.waitingCount > 0 || (pool.idleCount === 0 && pool.totalCount >= (pool.options.max ?? 10));
    if (!busy) return database.query('SELECT 1');
    const client = new pg.Client({
      connectionString: url,
      connectionTimeoutMillis: connectTimeoutMs,
      statement_timeout: PROBE_STATEMENT_TIMEOUT_MS,
      query_timeout: PROBE_STATEMENT_TIMEOUT_MS * 2,
    });
    // A server going away mid-probe is this probe's failure, not an unhandled 'error' event.
    client.on('error', () => undefined);
    try {
      await client.connect();
      return await client.query('SELECT 1');
    } finally {
      await client.end().catch(() => undefined);
    }
  };
}
