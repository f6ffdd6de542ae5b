import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
// For the type of `app.health`, which this plugin depends on.
import type {} from '@myshop/health';
import type { Registry } from 'prom-client';
import { createDatabase, type Database } from './database.ts';
import { runMigrations } from './migrate.ts';
import { databaseReadinessCheck } from './readiness-check.ts';

export type { Database };

/**
 * The database keys of a service's config (@myshop/config's base keys): the app passes its
 * whole config, so a new key reaches every service without touching each app.
 */
export interface DatabaseSettings {
  /** Unset: fitted to the process's CPU (see pool-size.ts). */
  DATABASE_POOL_MAX?: number | undefined;
  /** How long a query waits for a connection before the request gets a 503. */
  DATABASE_CONNECT_TIMEOUT_MS: number;
  /** Longest a statement may run. */
  DATABASE_STATEMENT_TIMEOUT_MS: number;
  /** Apply pending migrations while starting (Kubernetes may run the `migrate` command instead). */
  DATABASE_MIGRATE_ON_START: boolean;
}

export interface DbPluginOptions {
  url: string;
  /** The service's versioned SQL migrations. */
  migrationsDir: string;
  config: DatabaseSettings;
}

declare module 'fastify' {
  interface FastifyInstance {
    db: Database;
  }
}

/** One pool per app, migrated before the app is ready, checked by /readyz, closed last. */
async function db(app: FastifyInstance, { url, migrationsDir, config }: DbPluginOptions): Promise<void> {
  if (config.DATABASE_MIGRATE_ON_START) {
    const applied = await runMigrations({
      url,
      dir: migrationsDir,
      log: (message) => app.log.debug(message),
      connectTimeoutMs: config.DATABASE_CONNECT_TIMEOUT_MS,
    });
    if (applied.length > 0) app.log.info({ migrations: applied }, 'database migrated');
  }
  const database = createDatabase({
    url,
    poolMax: config.DATABASE_POOL_MAX,
    connectionTimeoutMs: config.DATABASE_CONNECT_TIMEOUT_MS,
    statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
    onPoolError: (error) => app.log.warn({ err: error }, 'idle database connection lost'),
    // Pool and query metrics join the app's own registry, when it has one (@myshop/metrics).
    metricsRegistry: metricsRegistryOf(app),
  });
  app.decorate('db', database);
  app.health.addCheck('database', databaseReadinessCheck(database, url, config.DATABASE_CONNECT_TIMEOUT_MS));
  app.addHook('onClose', async () => database.close());
}

/** `app.metrics.registry` of @myshop/metrics' plugin, registered before this one (the platform plugin does). */
function metricsRegistryOf(app: FastifyInstance): Registry | undefined {
  return app.hasDecorator('metrics') ? (app as FastifyInstance & { metrics: { registry: Registry } }).metrics.registry : undefined;
}

export const dbPlugin = fp(db, { name: '@myshop/db', fastify: '5.x', dependencies: ['@myshop/health'] });
