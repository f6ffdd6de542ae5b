import type { BaseConfig } from '@myshop/config';
import { WAITING_FOR_DATABASE, waitForDatabase } from '@myshop/db';
import type { Logger } from 'pino';

/** Between two lines saying the database is still awaited: a wait of 45 s writes five lines, not one per attempt. */
const WAITING_LINE_EVERY_MS = 10_000;

/**
 * Waits for DATABASE_URL's server to answer (see waitForDatabase), saying so every few seconds:
 * what a service's start and the `migrate` command do first, so that one started while its
 * database is away (a pod, a Job, an init container) carries on once it is back.
 */
export async function waitForDatabaseAtStart(config: BaseConfig, logger: Logger): Promise<void> {
  let saidAt = Number.NEGATIVE_INFINITY;
  await waitForDatabase({
    url: config.DATABASE_URL!,
    connectTimeoutMs: config.DATABASE_CONNECT_TIMEOUT_MS,
    waitMs: config.DATABASE_START_WAIT_MS,
    onRetry: ({ error, attempt }) => {
      if (Date.now() - saidAt < WAITING_LINE_EVERY_MS) return;
      saidAt = Date.now();
      logger.warn({ attempt, waitMs: config.DATABASE_START_WAIT_MS, reason: (error as Error).message }, WAITING_FOR_DATABASE);
    },
  });
}
