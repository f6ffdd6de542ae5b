import { runner } from 'node-pg-migrate';

export interface MigrationOptions {
  url: string;
  /** Directory of versioned `NNNN_name.sql` files, applied in order, each exactly once. */
  dir: string;
  log?: (message: string) => void;
}

/**
 * Applies pending migrations. Replicas starting together wait on node-pg-migrate's advisory
 * lock instead of racing each other; all pending files run in one transaction.
 */
export async function runMigrations({ url, dir, log }: MigrationOptions): Promise<string[]> {
  const applied = await runner({
    databaseUrl: url,
    dir,
    direction: 'up',
    migrationsTable: 'schema_migrations',
    singleTransaction: true,
    checkOrder: true,
    advisoryLockMode: 'wait',
    log: log ?? (() => undefined),
    logger: quiet(log),
  });
  return applied.map((migration) => migration.name);
}

function quiet(log?: (message: string) => void) {
  const write = (message: string) => log?.(message);
  return { debug: () => undefined, info: write, warn: write, error: write };
}
