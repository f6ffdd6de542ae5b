import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { onTestFinished } from 'vitest';
import { captureLogs, type CapturedLogs } from './capture-logs.ts';
import { createTestDatabase, type TestDatabase } from '../database/test-database.ts';

export type TestAppFactory<A extends FastifyInstance> = (options: { databaseUrl: string; logger: Logger }) => Promise<A>;

export interface TestApp<A extends FastifyInstance> {
  app: A;
  database: TestDatabase;
  logs: CapturedLogs;
}

/**
 * Builds an app against a fresh database, ready to `inject()` or, through `httpClient(app)`, to
 * serve real HTTP; the app is closed and the database dropped when the current test finishes,
 * whatever its outcome.
 */
export async function buildTestApp<A extends FastifyInstance>(service: string, factory: TestAppFactory<A>): Promise<TestApp<A>> {
  const database = await createTestDatabase();
  const logs = captureLogs(service);
  const built: { app?: A } = {};
  // Registered before building, so a factory that throws still leaves no database behind.
  onTestFinished(async () => {
    await built.app?.close();
    await database.drop();
  });
  const app = (built.app = await factory({ databaseUrl: database.url, logger: logs.logger }));
  await app.ready();
  return { app, database, logs };
}
