import { ServiceUnavailableError } from '@myshop/errors';
import pg from 'pg';
import { isDatabaseUnavailable } from './pg-errors.ts';

export interface Queryable {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

export interface DatabaseOptions {
  url: string;
  poolMax: number;
  /** Longest a statement may run; a stuck query fails instead of holding a request forever. */
  statementTimeoutMs?: number;
  /** How long to wait for a connection from the pool (or a new one to the server). */
  connectionTimeoutMs?: number;
  onPoolError?: (error: Error) => void;
}

export interface Database extends Queryable {
  pool: pg.Pool;
  /** Runs `work` in one transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(work: (client: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

const INT8_OID = 20;

/**
 * Amounts are stored as bigint and returned as numbers: every value we store (at most
 * 99,999,999,999 minor units) is far inside Number.MAX_SAFE_INTEGER.
 */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

export function createDatabase(options: DatabaseOptions): Database {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolMax,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 2000,
    statement_timeout: options.statementTimeoutMs ?? 5000,
    idleTimeoutMillis: 30_000,
    types,
  });
  // An idle client whose server went away emits here; unhandled, it would crash the process.
  pool.on('error', (error) => options.onPoolError?.(error));

  const query: Queryable['query'] = (text, values) => pool.query(text, values).catch(rethrow);

  return {
    pool,
    query,
    async transaction(work) {
      const client = await pool.connect().catch(rethrow);
      try {
        await client.query('BEGIN');
        const result = await work(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        return rethrow(error);
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

/** A database outage becomes a 503 the client may retry, not an anonymous 500. */
function rethrow(error: unknown): never {
  if (isDatabaseUnavailable(error)) {
    throw Object.assign(new ServiceUnavailableError('The database is unavailable, try again shortly.'), { cause: error });
  }
  throw error;
}
