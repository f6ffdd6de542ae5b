import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { isDatabaseUnavailable } from './pg-errors.ts';

export interface WaitForDatabaseOptions {
  url: string;
  /** Longest wait for one connection (DATABASE_CONNECT_TIMEOUT_MS). */
  connectTimeoutMs: number;
  /** Longest the whole wait may last (DATABASE_START_WAIT_MS); 0 tries once. */
  waitMs: number;
  /** Told of each attempt that failed but may be tried again, with what failed and when the next is. */
  onRetry?: (failure: { error: unknown; attempt: number; retryInMs: number }) => void;
}

/** The database could not be used (unreachable, refusing, not yet accepting this role or database) for as long as the start may wait. */
export class DatabaseUnavailableAtStart extends Error {
  constructor(waitedMs: number, cause: unknown) {
    super(`could not use the database for ${waitedMs} ms (DATABASE_START_WAIT_MS): ${(cause as Error)?.message ?? cause}`, { cause });
    this.name = 'DatabaseUnavailableAtStart';
  }
}

/** What a start says while it waits (log readers, the reliability check among them, look for it). */
export const WAITING_FOR_DATABASE = 'database not answering; waiting for it before starting';

/** The first pause after a failed attempt, doubled after each until the longest. */
const FIRST_PAUSE_MS = 250;
const LONGEST_PAUSE_MS = 1000;

/**
 * Returns once the database answers a statement. Throws DatabaseUnavailableAtStart, naming the
 * last failure, once `waitMs` has passed; at once, the failure itself when no wait cures it (a
 * setting the server refuses). A stop signal
 * meanwhile needs nothing from here: the shutdown ends the process. A replica that starts
 * while its database is away (a failover, a node restart, the whole namespace starting together)
 * would otherwise exit and be restarted with the kubelet's back-off, up to five minutes between
 * tries, long after the database is back; waiting, it is ready within a pause of the database's
 * return. The wait ends inside the startup probe's window, so a database that does not come back
 * still ends in a restart, with the reason in the log.
 */
export async function waitForDatabase({ url, connectTimeoutMs, waitMs, onRetry }: WaitForDatabaseOptions): Promise<void> {
  const started = Date.now();
  const deadline = started + waitMs;
  for (let attempt = 1, pauseMs = FIRST_PAUSE_MS; ; attempt += 1, pauseMs = Math.min(pauseMs * 2, LONGEST_PAUSE_MS)) {
    try {
      await selectOne(url, Math.max(100, Math.min(connectTimeoutMs, deadline - Date.now())));
      return;
    } catch (error) {
      const retryInMs = Math.min(pauseMs, deadline - Date.now());
      if (!isDatabaseUnavailable(error)) throw error;
      if (retryInMs <= 0) throw new DatabaseUnavailableAtStart(Date.now() - started, error);
      onRetry?.({ error, attempt, retryInMs });
      await sleep(retryInMs);
    }
  }
}

async function selectOne(url: string, connectTimeoutMs: number): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: connectTimeoutMs, query_timeout: connectTimeoutMs });
  // A server going away mid-attempt is this attempt's failure, not an unhandled 'error' event.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    // Not end(): for a socket that failed as it was made (a port the driver reads as none) it
    // never returns, and the start would wait on it forever. The driver's connect timer is still
    // armed then, and would destroy the socket with an error nothing listens for any more (an
    // uncaught exception): the socket goes now, so that destroy finds nothing left to do.
    client.connection.stream.destroy();
    throw error;
  }
  try {
    await client.query('SELECT 1');
  } finally {
    await client.end().catch(() => undefined);
  }
}
