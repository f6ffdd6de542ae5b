import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

/**
 * Statements the app has sent to its database so far, by its own duration histogram (every
 * statement is timed): read it before and after a request to count that request's round trips.
 */
export async function statementsSent(app: FastifyInstance): Promise<number> {
  const { registry } = (app as FastifyInstance & { metrics: { registry: Registry } }).metrics;
  const metric = (await registry.getMetricsAsJSON()).find(({ name }) => name === 'db_query_duration_seconds');
  return (metric?.values ?? [])
    .filter((value) => (value as { metricName?: string }).metricName === 'db_query_duration_seconds_count')
    .reduce((sum, { value }) => sum + value, 0);
}
