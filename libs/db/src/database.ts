import { ServiceUnavailableError } from '@myshop/errors';
import pg from 'pg';
import type { Registry } from 'prom-client';
import { databaseMetrics, type QueryTimer } from './db-metrics.ts';
import { isDatabaseUnavailable, isUnanswered } from './pg-errors.ts';
import { defaultPoolMax } from './pool-size.ts';
import { inStatementContext } from './statement-context.ts';

export interface Queryable {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

export interface DatabaseOptions {
  url: string;
  /** Most connections the pool opens; unset: fitted to the process's CPU (`defaultPoolMax`). */
  poolMax?: number | undefined;
  /** Longest a statement may run; a stuck query fails instead of holding a request forever. */
  statementTimeoutMs?: number | undefined;
  /** How long to wait for a connection from the pool (or a new one to the server). */
  connectionTimeoutMs?: number | undefined;
  onPoolError?: (error: Error) => void;
  /** The app's metrics registry: pool gauges and a duration histogram of every statement. */
  metricsRegistry?: Registry;
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
  const poolMax = options.poolMax ?? defaultPoolMax();
  const connectionTimeoutMs = options.connectionTimeoutMs ?? 2000;
  const statementTimeoutMs = options.statementTimeoutMs ?? 5000;
  const pool = new pg.Pool({
    connectionString: options.url,
    max: poolMax,
    connectionTimeoutMillis: connectionTimeoutMs,
    statement_timeout: statementTimeoutMs,
    // The server ends a statement at statement_timeout; an answer that has not come a connect
    // timeout later will not come (a partition, a frozen host): the statement fails instead of
    // holding its request, and the connection, still waiting for it, is thrown away.
    query_timeout: statementTimeoutMs + connectionTimeoutMs,
    // The other side of it: a transaction whose client went silent between two statements (a
    // partition, a replica frozen or killed without a FIN) would keep its locks until TCP
    // keepalive notices, hours on Linux' defaults, and every request for those rows would fail.
    // Our transactions wait on nothing but their own statements, so a session idle in one for as
    // long as a statement may run has lost its client: the server ends it and frees the locks.
    idle_in_transaction_session_timeout: statementTimeoutMs,
    idleTimeoutMillis: 30_000,
    types,
  });
  // An idle client whose server went away emits here; unhandled, it would crash the process.
  pool.on('error', (error) => options.onPoolError?.(error));

  const timer = options.metricsRegistry ? databaseMetrics(options.metricsRegistry, pool, poolMax) : undefined;
  const send = (text: string, values?: unknown[]) => inStatementContext(() => pool.query(text, values));
  const query: Queryable['query'] = timer ? timed(timer, send) : (text, values) => send(text, values).catch(rethrow);

  return {
    pool,
    query,
    async transaction(work) {
      const { connection, release } = await inStatementContext(() => checkOut(pool, options.onPoolError)).catch(rethrow);
      const sendOnConnection = (text: string, values?: unknown[]) => inStatementContext(() => connection.query(text, values));
      const client: Queryable = { query: (timer ? timed(timer, sendOnConnection) : sendOnConnection) as Queryable['query'] };
      let unanswered: Error | undefined;
      try {
        await client.query('BEGIN');
        const result = await work(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        // A ROLLBACK would wait behind the statement that got no answer; the server rolls back
        // the transaction of a connection it loses.
        if (isUnanswered(error)) unanswered = error as Error;
        else await client.query('ROLLBACK').catch(() => undefined);
        return rethrow(error);
      } finally {
        release(unanswered);
      }
    },
    close: () => pool.end(),
  };
}

/**
 * A connection of the pool for a transaction. Checked out, a connection is no longer watched by
 * the pool: if the server goes away between two statements, pg emits 'error' on it, which unheard
 * crashes the process. So it is heard from the moment the pool hands it over, inside the pool's
 * callback (a new connection's first ReadyForQuery and the server's FATAL goodbye can arrive in one
 * read, before an `await` would resume), and a connection that broke is destroyed on release
 * instead of going back to the pool; the statement that needed it fails with a 503.
 */
function checkOut(
  pool: pg.Pool,
  onError?: (error: Error) => void,
): Promise<{ connection: pg.PoolClient; release(unanswered?: Error): void }> {
  return new Promise((resolve, reject) => {
    pool.connect((error, connection, done) => {
      if (error || !connection) return reject(error ?? new Error('no connection from the pool'));
      let broken: Error | undefined;
      const listener = (lost: Error) => {
        broken ??= lost;
        onError?.(lost);
      };
      connection.on('error', listener);
      resolve({
        connection,
        release: (unanswered) => {
          broken ??= unanswered;
          connection.off('error', listener);
          // A broken connection may still report more of the same while it is torn down.
          if (broken) connection.on('error', () => undefined);
          done(broken);
        },
      });
    });
  });
}

/** `run`, timed: errors are counted as such and rethrown as the untimed query would. */
function timed(timer: QueryTimer, run: (text: string, values?: unknown[]) => Promise<pg.QueryResult>): Queryable['query'] {
  return (async (text: string, values?: unknown[]) => {
    const stop = timer.start(text);
    try {
      const result = await run(text, values);
      stop(false);
      return result;
    } catch (error) {
      stop(true);
      return rethrow(error);
    }
  }) as Queryable['query'];
}

/** A database outage becomes a 503 the client may retry, not an anonymous 500. */
function rethrow(error: unknown): never {
  if (isDatabaseUnavailable(error)) {
    throw Object.assign(new ServiceUnavailableError('The database is unavailable, try again shortly.'), { cause: error });
  }
  throw error;
}
