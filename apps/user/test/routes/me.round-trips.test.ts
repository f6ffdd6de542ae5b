import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { buildUser, login, register } from '../helpers.ts';

/** Statements the app has sent so far, by its own duration histogram (every statement is timed). */
async function statementsSent(app: FastifyInstance): Promise<number> {
  const { registry } = (app as FastifyInstance & { metrics: { registry: Registry } }).metrics;
  const metric = (await registry.getMetricsAsJSON()).find(({ name }) => name === 'db_query_duration_seconds');
  return (metric?.values ?? [])
    .filter((value) => (value as { metricName?: string }).metricName === 'db_query_duration_seconds_count')
    .reduce((sum, { value }) => sum + value, 0);
}

describe('GET /user/me round trips to the database', () => {
  it('reads the profile in one statement', async () => {
    const { app } = await buildUser();
    await register(app);
    const headers = { authorization: `Bearer ${await login(app)}` };
    const before = await statementsSent(app);

    const response = await app.inject({ method: 'GET', url: '/user/me', headers });

    expect(response.statusCode).toBe(200);
    expect((await statementsSent(app)) - before).toBe(1);
  });
});
