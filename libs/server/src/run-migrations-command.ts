import type { BaseConfig } from '@myshop/config';
import { openDatabase, runMigrations, type DatabaseLocation } from '@myshop/db';
import { createLogger } from '@myshop/logging';
import { loadConfigOrExit } from './load-config-or-exit.ts';
import { waitForDatabaseAtStart } from './wait-for-database-at-start.ts';

export interface MigrationsCommand<C extends BaseConfig> {
  name: string;
  loadConfig(): C;
  migrationsDir: string;
}

/** The `migrate` command: applies pending migrations and exits, for a Job or an init container. */
export async function runMigrationsCommand<C extends BaseConfig>(command: MigrationsCommand<C>): Promise<void> {
  const config = loadConfigOrExit(command);
  const logger = createLogger({ service: command.name, level: config.LOG_LEVEL, format: config.LOG_FORMAT });
  let database: DatabaseLocation | undefined;
  try {
    database = await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR, service: command.name });
    if (!database.embedded) await waitForDatabaseAtStart(config, logger);
    const applied = await runMigrations({
      url: database.url,
      dir: command.migrationsDir,
      log: (message) => logger.debug(message),
      connectTimeoutMs: config.DATABASE_CONNECT_TIMEOUT_MS,
    });
    logger.info({ migrations: applied }, applied.length > 0 ? 'migrations applied' : 'database already up to date');
  } catch (error) {
    // Why, as one line of the service's log (ECS in a Job's pod), as the service says it at start:
    // a bare stack trace would reach the log store as loose lines with no service or level.
    logger.fatal({ err: error }, 'migrations not applied');
    process.exitCode = 1;
  } finally {
    await database?.stop();
  }
}
