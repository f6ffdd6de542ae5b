import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Counter } from 'prom-client';

/**
 * How a checkout ended: `paid`; `declined` by the card's bank; `replayed` (a retry with the same
 * Idempotency-Key got the earlier answer); `payment_unavailable` (payment down or too slow: the
 * order waits for a retry); `failed` (anything else: a refused request, an empty cart, a bad card).
 */
export type CheckoutOutcome = 'paid' | 'declined' | 'replayed' | 'payment_unavailable' | 'failed';

declare module 'fastify' {
  interface FastifyInstance {
    checkoutMetrics: { checkout(result: CheckoutOutcome): void };
  }
}

async function checkoutMetrics(app: FastifyInstance): Promise<void> {
  const checkouts = new Counter({
    name: 'myshop_cart_checkouts_total',
    help: 'Checkouts by result: paid, declined, replayed, payment_unavailable, failed.',
    labelNames: ['result'] as const,
    registers: [app.metrics.registry],
  });
  for (const result of ['paid', 'declined', 'replayed', 'payment_unavailable', 'failed'] satisfies CheckoutOutcome[])
    checkouts.inc({ result }, 0);
  app.decorate('checkoutMetrics', { checkout: (result: CheckoutOutcome) => checkouts.inc({ result }) });
}

/** Checkouts counted by result in the app's registry: the shop's conversion, on the dashboard. */
export const checkoutMetricsPlugin = fp(checkoutMetrics, { name: 'checkout-metrics', fastify: '5.x', dependencies: ['@myshop/metrics'] });
