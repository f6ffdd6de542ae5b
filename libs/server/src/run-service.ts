import { setTimeout as sleep } from 'node:timers/promises';
import type { BaseConfig } from '@myshop/config';
import { openDatabase, type DatabaseLocation } from '@myshop/db';
import { createLogger } from '@myshop/logging';
import { startMetricsServer, type MetricsServer } from '@myshop/metrics';
import { shutdownTelemetry, telemetryHandle } from '@myshop/telemetry';
import closeWithGrace from 'close-with-grace';
import type { FastifyInstance } from 'fastify';
import type { JWTVerifyGetKey } from 'jose';
import type { Logger } from 'pino';
import type { ListeningMessage } from './fork-service.ts';
import { loadConfigOrExit } from './load-config-or-exit.ts';
import { waitForDatabaseAtStart } from './wait-for-database-at-start.ts';
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
  // Spans the Collector does not take are lost: the log says so (once a minute at most).
  telemetryHandle()?.reportProblemsTo((problem) => logger.warn(problem, 'tracing problem'));

  // Filled in as start-up proceeds; a signal in the middle of it stops what exists so far.
  const running: { app?: FastifyInstance; metrics?: MetricsServer; database?: DatabaseLocation } = {};

  const shutdown = closeWithGrace(
    // Signals are ours to interpret (see below); close-with-grace keeps the deadline and catches crashes.
    { delay: config.SHUTDOWN_GRACE_MS, logger, skip: ['SIGINT', 'SIGTERM'] },
    async ({ err }) => {
      const deadline = Date.now() + config.SHUTDOWN_GRACE_MS;
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
      // rejection would end the process with exit 1 and a bare exporter error as its last word,
      // and its retries (for OTEL_EXPORTER_OTLP_TIMEOUT, 10 s) would outlast the grace.
      await exportLastSpans(logger, deadline - Date.now() - LAST_WORDS_MS);
      logger.info('stopped');
    },
  );
  onStopSignal((signal) => {
    logger.info({ signal }, 'shutting down');
    void shutdown.close();
  }, logger);
  // Started by a local supervisor over IPC (`npm start`): its disappearance is a SIGTERM, from the
  // first moment, so no replica outlives it. A Ctrl-C that ends it mid-start (its databases stop
  // with it) would otherwise leave this process waiting for them for DATABASE_START_WAIT_MS.
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));

  running.database = await openDatabase({
    url: config.DATABASE_URL,
    dataDir: config.DATA_DIR,
    service: service.name,
    log: (message) => logger.info(message),
  });
  if (!running.database.embedded) await waitForDatabaseAtStart(config, logger);
  const app = (running.app = await service.buildApp({ config, logger, databaseUrl: running.database.url }));
  // The metrics port first: one that cannot be had (taken, a METRICS_HOST that does not resolve)
  // stops the start before the API takes a request, not a moment after.
  running.metrics = await startMetricsServer(app.metrics.registry, config.METRICS_HOST, config.METRICS_PORT);
  await app.listen({ host: config.HOST, port: config.PORT });
  // Once both listen: the line that marks a completed start (the image tests count them).
  logger.info({ metricsPort: running.metrics.port }, 'metrics served on their own port');
  reportToSupervisor(app, running.metrics.port);
}

/** Kept of SHUTDOWN_GRACE_MS for the last line and the exit, after the spans are given up. */
const LAST_WORDS_MS = 250;

/** The spans still buffered, exported within `ms` or given up then; a warning says when they are lost. */
async function exportLastSpans(logger: Logger, ms: number): Promise<void> {
  const waitedMs = Math.max(0, ms);
  const giveUp = new AbortController();
  const exported = shutdownTelemetry().then(
    () => true,
    (error: unknown) => {
      logger.warn({ err: error }, 'last spans not exported');
      return true;
    },
  );
  // The timer is cancelled once the export settles: it must not hold the process.
  const outOfTime = sleep(waitedMs, false, { signal: giveUp.signal }).catch(() => true);
  const settled = await Promise.race([exported, outOfTime]);
  giveUp.abort();
  if (!settled) logger.warn({ waitedMs }, 'last spans not exported');
}

/** Started by a local supervisor over IPC (`npm start`): tell it where we listen (ports may be chosen by the OS). */
function reportToSupervisor(app: FastifyInstance, metricsPort: number): void {
  if (!process.connected) return;
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.send!({ type: 'listening', port, metricsPort } satisfies ListeningMessage);
}
