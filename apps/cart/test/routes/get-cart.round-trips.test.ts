import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { httpClient } from '@myshop/testing';
import { describe, expect, it } from 'vitest';
import { buildCart, fillCart, SOCKS, TSHIRT } from '../helpers.ts';

/** Statements the app has sent so far, by its own duration histogram (every statement is timed). */
async function statementsSent(app: FastifyInstance): Promise<number> {
  const { registry } = (app as FastifyInstance & { metrics: { registry: Registry } }).metrics;
  const metric = (await registry.getMetricsAsJSON()).find(({ name }) => name === 'db_query_duration_seconds');
  return (metric?.values ?? [])
    .filter((value) => (value as { metricName?: string }).metricName === 'db_query_duration_seconds_count')
    .reduce((sum, { value }) => sum + value, 0);
}

describe('GET /cart round trips to the database', () => {
  it('reads a priced cart in one statement', async () => {
    const { app, signIn } = await buildCart();
    const api = await httpClient(app);
    const user = await signIn();
    await fillCart(app, user, [
      { productId: SOCKS.id, quantity: 1 },
      { productId: TSHIRT.id, quantity: 2 },
    ]);
    const before = await statementsSent(app);

    const response = await api.get('/cart').set(user.headers);

    expect(response.status).toBe(200);
    expect(response.body.items).toHaveLength(2);
    expect((await statementsSent(app)) - before).toBe(1);
  });
});
