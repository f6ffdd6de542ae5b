import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
// For the type of `app.health`, which this plugin depends on.
import type {} from '@myshop/health';
import type { Registry } from 'prom-client';
import { createDatabase, type Database } from './database.ts';
import { runMigrations } from './migrate.ts';

export type { Database };

export interface DbPluginOptions {
  url: string;
  /** Unset: fitted to the process's CPU (see pool-size.ts). */
  poolMax?: number | undefined;
  /** The service's versioned SQL migrations. */
  migrationsDir: string;
  /** Apply pending migrations while starting (Kubernetes may run the `migrate` command instead). */
  migrate: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    db: Database;
  }
}

/** One pool per app, migrated before the app is ready, checked by /readyz, closed last. */
async function db(app: FastifyInstance, options: DbPluginOptions): Promise<void> {
  if (options.migrate) {
    const applied = await runMigrations({ url: options.url, dir: options.migrationsDir, log: (message) => app.log.debug(message) });
    if (applied.length > 0) app.log.info({ migrations: applied }, 'database migrated');
  }
  const database = createDatabase({
    url: options.url,
    poolMax: options.poolMax,
    onPoolError: (error) => app.log.warn({ err: error }, 'idle database connection lost'),
    // Pool and query metrics join the app's own registry, when it has one (@myshop/metrics).
    metricsRegistry: metricsRegistryOf(app),
  });
  app.decorate('db', database);
  app.health.addCheck('database', () => database.query('SELECT 1'));
  app.addHook('onClose', async () => database.close());
}

/** `app.metrics.registry` of @myshop/metrics' plugin, registered before this one (the platform plugin does). */
function metricsRegistryOf(app: FastifyInstance): Registry | undefined {
  return app.hasDecorator('metrics') ? (app as FastifyInstance & { metrics: { registry: Registry } }).metrics.registry : undefined;
}

export const dbPlugin = fp(db, { name: '@myshop/db', fastify: '5.x', dependencies: ['@myshop/health'] });
