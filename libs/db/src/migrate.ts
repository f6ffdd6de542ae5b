import { readdirSync } from 'node:fs';
import { extname } from 'node:path';
import pg from 'pg';

export interface MigrationOptions {
  url: string;
  /** Directory of versioned `NNNN_name.sql` (or `.ts`) files, applied in order, each exactly once. */
  dir: string;
  log?: (message: string) => void;
  /**
   * Longest wait for each of its connections to be made (DATABASE_CONNECT_TIMEOUT_MS); default
   * 2000. Without one, a server that takes the connection and never answers (a proxy whose
   * database is gone, an address that drops packets) held the start-up forever, without a word.
   */
  connectTimeoutMs?: number;
  /**
   * Longest a migration's statement waits for a lock (PostgreSQL `lock_timeout`); default 2000.
   * An ALTER TABLE waiting behind a long reader (a report, a reconcile) queues every query of the
   * replicas still serving behind it, all failing at their statement timeout for as long as the
   * reader runs. Past this wait the migration is rolled back and the start fails; the restart
   * tries again.
   */
  lockTimeoutMs?: number;
  /**
   * Longest the migration's transaction may sit idle, waiting for its client (PostgreSQL
   * `idle_in_transaction_session_timeout`); default 10000. Migrations send their statements one
   * after the other: only a client cut off (a partition, a node lost) leaves it waiting, holding
   * the locks of the tables it altered and the replicas' migration lock until TCP keepalive
   * notices, hours later. The server ends the session instead, and the migration rolls back.
   */
  idleInTransactionTimeoutMs?: number;
}

const MIGRATIONS_TABLE = 'schema_migrations';
/** The files node-pg-migrate reads as migrations (it leaves dot-files out). */
const MIGRATION_FILE = /^[^.].*\.(sql|ts|js|mjs|cjs)$/;

/**
 * Applies pending migrations. Replicas starting together wait on node-pg-migrate's advisory
 * lock instead of racing each other; all pending files run in one transaction, which gives up a
 * table lock it cannot have within `lockTimeoutMs` rather than stall the table's traffic.
 *
 * Most starts find nothing to do (a restart, a second replica): one query tells, and only when
 * something is pending, or the record differs from the files in any way, does node-pg-migrate
 * run, after the same order check as its own (refuseOutOfOrder). Loading it and compiling the
 * TypeScript migrations costs about a second of CPU, half of a service's start.
 */
export async function runMigrations({
  url,
  dir,
  log,
  connectTimeoutMs = 2000,
  lockTimeoutMs = 2000,
  idleInTransactionTimeoutMs = 10_000,
}: MigrationOptions): Promise<string[]> {
  if (await allApplied(url, dir, connectTimeoutMs)) return [];
  const { runner, PG_MIGRATE_LOCK_ID } = await import('node-pg-migrate');
  // Our own client: node-pg-migrate does not wait for the connection it opens to close, so a
  // database dropped or restarted just after would end it with an error nobody listens to.
  const applied = await withClient(url, connectTimeoutMs, async (dbClient) => {
    // node-pg-migrate's own lock, taken here so that the lock timeout below does not apply to it
    // (it applies to advisory locks too): a replica waits for another one's migrations however
    // long they take. Held until the connection closes.
    await dbClient.query('SELECT pg_advisory_lock($1)', [String(PG_MIGRATE_LOCK_ID)]);
    await dbClient.query(`SELECT set_config('lock_timeout', $1, false), set_config('idle_in_transaction_session_timeout', $2, false)`, [
      `${lockTimeoutMs}ms`,
      `${idleInTransactionTimeoutMs}ms`,
    ]);
    // node-pg-migrate's order check reads the record by run_on (see recordedMigrations): ours instead.
    refuseOutOfOrder(await recordedMigrations(dbClient), migrationFiles(dir));
    return runner({
      dbClient,
      dir,
      direction: 'up',
      migrationsTable: MIGRATIONS_TABLE,
      singleTransaction: true,
      checkOrder: false,
      noLock: true,
      log: log ?? (() => undefined),
      logger: quiet(log),
    });
  });
  return applied.map((migration) => migration.name);
}

/** The migrations the database at `url` records as applied, in the order they ran (none on a new database). */
export async function appliedMigrations(url: string, connectTimeoutMs = 2000): Promise<string[]> {
  return withClient(url, connectTimeoutMs, recordedMigrations);
}

/** Whether the database records exactly the directory's migrations, in the same order. */
async function allApplied(url: string, dir: string, connectTimeoutMs: number): Promise<boolean> {
  const files = migrationFiles(dir);
  const recorded = await withClient(url, connectTimeoutMs, recordedMigrations);
  return recorded.length === files.length && recorded.every((name, index) => name === files[index]);
}

/** The directory's migrations by name, in the order they apply. */
function migrationFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((file) => migrationName(file) ?? []);
}

/** The name a migration file is recorded under (its name without the extension); none for a file that is no migration. */
export function migrationName(file: string): string | undefined {
  return MIGRATION_FILE.test(file) ? file.slice(0, -extname(file).length) : undefined;
}

/**
 * The migrations the database records, in the order they were applied: by id, the serial of each
 * row. Not by run_on as node-pg-migrate reads them: it writes run_on as a timestamp without time
 * zone, now() in the session's TimeZone, so a zone that changed between two runs (a DST change on
 * a server in a local zone, a database or role default set meanwhile) sorts a later migration
 * before earlier ones, and every start after it would fail its order check.
 */
async function recordedMigrations(client: pg.Client): Promise<string[]> {
  try {
    const { rows } = await client.query<{ name: string }>(`SELECT name FROM ${MIGRATIONS_TABLE} ORDER BY id`);
    return rows.map((row) => row.name);
  } catch (error) {
    // A new database: no record yet, everything is pending.
    if ((error as { code?: string }).code === '42P01') return [];
    throw error;
  }
}

/**
 * node-pg-migrate's order check on the record read in its true order: the files and the record
 * agree as far as both go. A file sorting before one already applied (added late, or renamed) is
 * refused; a record longer than the files (a newer version migrated, this one is older) is not.
 */
function refuseOutOfOrder(recorded: string[], files: string[]): void {
  for (let index = 0; index < Math.min(recorded.length, files.length); index += 1) {
    if (recorded[index] !== files[index]) {
      throw new Error(`Not run migration ${files[index]} is preceding already run migration ${recorded[index]}`);
    }
  }
}

/** `work` on a connection of its own, closed (and waited for) whatever `work` does. */
async function withClient<T>(url: string, connectTimeoutMs: number, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: connectTimeoutMs });
  // A connection lost between statements fails the next one, which reports it; unheard, the
  // event would crash the process.
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function quiet(log?: (message: string) => void) {
  const write = (message: string) => log?.(message);
  return { debug: () => undefined, info: write, warn: write, error: write };
}
