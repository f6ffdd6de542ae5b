import { setTimeout as sleep } from 'node:timers/promises';
import type { BaseConfig } from '@myshop/config';
import { openDatabase, type DatabaseLocation } from '@myshop/db';
import { createLogger } from '@myshop/logging';
import { startMetricsServer, type MetricsServer } from '@myshop/metrics';
import { shutdownTelemetry } from '@myshop/telemetry';
import closeWithGrace from 'close-with-grace';
import type { FastifyInstance } from 'fastify';
import type { JWTVerifyGetKey } from 'jose';
import type { Logger } from 'pino';
import type { ListeningMessage } from './fork-service.ts';
import { loadConfigOrExit } from './load-config-or-exit.ts';
import { onStopSignal } from './stop-signal.ts';
import { prettyStreamIfTerminal } from './pretty.ts';

/** What every service's `buildXApp` takes: server.ts passes the first three, tests may add keys. */
export interface BuildAppOptions<C> {
  config: C;
  logger: Logger;
  databaseUrl: string;
  /**
   * For a service that verifies the user service's tokens: the keys to verify them with, instead
   * of fetching the key set at its JWKS_URL (a test's own issuer). The user service signs and
   * verifies with its own keys and has no use for it.
   */
  jwtKeys?: JWTVerifyGetKey;
}

export interface ServiceDefinition<C extends BaseConfig> {
  name: string;
  loadConfig(): C;
  buildApp(options: BuildAppOptions<C>): Promise<FastifyInstance>;
}

/**
 * The whole life of a service process: validated config (exit 1 naming every bad key), the
 * database, listening, and on SIGTERM/SIGINT a graceful stop: readiness turns 503, the listener
 * closes after SHUTDOWN_DELAY_MS, in-flight requests finish, the database closes, exit 0, all
 * within SHUTDOWN_GRACE_MS.
 */
export async function runService<C extends BaseConfig>(service: ServiceDefinition<C>): Promise<void> {
  const config = loadConfigOrExit(service);

  const logger = createLogger({
    service: service.name,
    level: config.LOG_LEVEL,
    format: config.LOG_FORMAT,
    destination: await prettyStreamIfTerminal(config.NODE_ENV),
  });

  // Filled in as start-up proceeds; a signal in the middle of it stops what exists so far.
  const running: { app?: FastifyInstance; metrics?: MetricsServer; database?: DatabaseLocation } = {};

  const shutdown = closeWithGrace(
    // Signals are ours to interpret (see below); close-with-grace keeps the deadline and catches crashes.
    { delay: config.SHUTDOWN_GRACE_MS, logger, skip: ['SIGINT', 'SIGTERM'] },
    async ({ err }) => {
      if (err) logger.fatal({ err }, 'stopping after an unexpected error');
      if (running.app) {
        running.app.health.startDraining();
        // Give load balancers time to notice /readyz before the listener goes away.
        if (!err) await sleep(config.SHUTDOWN_DELAY_MS);
        await running.app.close();
      }
      await running.metrics?.close();
      await running.database?.stop();
      // The last spans (this shutdown's requests) are exported before the process ends. A
      // Collector that is down or refuses them costs those spans, not a clean stop: the SDK's
      // rejection would end the process with exit 1 and a bare exporter error as its last word.
      await shutdownTelemetry().catch((error: unknown) => logger.warn({ err: error }, 'last spans not exported'));
      logger.info('stopped');
    },
  );
  onStopSignal((signal) => {
    logger.info({ signal }, 'shutting down');
    void shutdown.close();
  }, logger);

  running.database = await openDatabase({
    url: config.DATABASE_URL,
    dataDir: config.DATA_DIR,
    service: service.name,
    log: (message) => logger.info(message),
  });
  const app = (running.app = await service.buildApp({ config, logger, databaseUrl: running.database.url }));
  await app.listen({ host: config.HOST, port: config.PORT });
  running.metrics = await startMetricsServer(app.metrics.registry, config.METRICS_HOST, config.METRICS_PORT);
  logger.info({ metricsPort: running.metrics.port }, 'metrics served on their own port');
  reportToSupervisor(app, running.metrics.port);
}

/**
 * Started by a local supervisor over IPC (`npm start`): tell it where we listen (ports may be
 * chosen by the OS) and treat its disappearance as a SIGTERM, so no replica outlives it.
 */
function reportToSupervisor(app: FastifyInstance, metricsPort: number): void {
  if (!process.send) return;
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.send({ type: 'listening', port, metricsPort } satisfies ListeningMessage);
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}
