export { dbPlugin, type DbPluginOptions, type DatabaseSettings, type Database } from './db-plugin.ts';
export { createDatabase, type Queryable } from './database.ts';
export { openDatabase, type DatabaseLocation } from './open-database.ts';
export { startEmbeddedPostgres } from '@myshop/embedded-postgres';
export { appliedMigrations, migrationName, runMigrations } from './migrate.ts';
export { isUniqueViolation, isDatabaseUnavailable } from './pg-errors.ts';
export { defaultPoolMax } from './pool-size.ts';
export { waitForDatabase, DatabaseUnavailableAtStart, WAITING_FOR_DATABASE, type WaitForDatabaseOptions } from './wait-for-database.ts';
