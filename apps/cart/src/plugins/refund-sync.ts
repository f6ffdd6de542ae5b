import { SCOPES } from '@myshop/auth';
import { describeAnswer, type HttpUnavailable } from '@myshop/http-client';
import { inBackgroundSpan } from '@myshop/telemetry';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Counter } from 'prom-client';
import { Type } from 'typebox';
import { orderRefunds, RefundEvent } from '../order-refunds.ts';

export interface RefundSyncOptions {
  /** Between two reads of the feed; 0: never read (tests that want none). */
  intervalMs: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    refundSync: {
      /** Reads the feed to its end now; answers how many refunds were new here. */
      runOnce(): Promise<number>;
    };
  }
}

const FEED_PAGE = 200;

const RefundFeedPage = Type.Object({ items: Type.Array(RefundEvent), nextCursor: Type.String({ minLength: 1 }) });

/**
 * What a call that failed came to, for the message of the error that the read's log line carries
 * (a logged error keeps its message, not its cause): a timeout, a refused connection, or the
 * status and code of the answer. Method and path only, as the HTTP client words it.
 */
function whyNot(outcome: { status: number; code?: string } | HttpUnavailable): string {
  return 'detail' in outcome ? outcome.detail : describeAnswer(outcome.status, outcome.code);
}

/**
 * Payment or the token endpoint did not answer the read as it should: an outage, a replica not
 * ready yet (a stack starting), a refused token. Expected now and then and cured by the next
 * read, so its log line says why in one line, with no stack trace.
 */
class RefundsNotRead extends Error {}

/**
 * Keeps orders in step with the refunds made at payment: every replica reads payment's refund
 * feed now and then and records what is new (recording is idempotent, so replicas reading the
 * same page do no harm). A refund shows on its order within about one interval.
 */
async function refundSync(app: FastifyInstance, { intervalMs }: RefundSyncOptions): Promise<void> {
  const refunds = orderRefunds(app.db);
  const reads = new Counter({
    name: 'myshop_cart_refund_feed_reads_total',
    help: 'Reads of payment’s refund feed by result: ok, failed (payment or the token endpoint unavailable).',
    labelNames: ['result'] as const,
    registers: [app.metrics.registry],
  });
  const recorded = new Counter({
    name: 'myshop_cart_refunds_recorded_total',
    help: 'Refunds recorded on orders.',
    registers: [app.metrics.registry],
  });
  for (const result of ['ok', 'failed']) reads.inc({ result }, 0);

  async function runOnce(): Promise<number> {
    let applied = 0;
    for (;;) {
      const token = await app.serviceTokens.forCart(SCOPES.readRefunds);
      if (token.kind !== 'ok') throw new RefundsNotRead(`no token to read refunds: ${whyNot(token)}`, { cause: token });
      const after = await refunds.position();
      const page = await app.payment.request({
        method: 'GET',
        path: '/payment/refunds',
        query: { limit: FEED_PAGE, after },
        headers: { authorization: `Bearer ${token.token}` },
        schema: RefundFeedPage,
      });
      if (page.kind !== 'ok') throw new RefundsNotRead(`refund feed unavailable: ${whyNot(page)}`, { cause: page });
      const added = await refunds.apply(page.body.items, page.body.nextCursor);
      for (const { orderId, amount, refunds: count } of added) {
        app.log.info({ orderId, amount, refunds: count }, 'refunds recorded on order');
        recorded.inc(count);
        applied += count;
      }
      if (page.body.items.length < FEED_PAGE) return applied;
    }
  }

  app.decorate('refundSync', { runOnce });
  if (intervalMs === 0) return;

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  const schedule = () => {
    // A little jitter, so replicas started together do not all read at the same moment.
    timer = setTimeout(tick, intervalMs * (0.75 + Math.random() / 2));
    timer.unref();
  };
  const tick = () => {
    // A replica on its way out reads no more: the other replicas (or the next ones) go on, and a
    // read now would only fail against a payment service stopping beside it (a whole stack
    // stopped at once), with a warning for nothing.
    if (app.health.isDraining()) return;
    // A trace of its own, which the token and feed calls join (sampled as any new trace is). The
    // warning is written inside it, so that its trace.id leads to the read that failed; thrown on,
    // the error marks the span failed too.
    running = inBackgroundSpan('cart refund feed sync', () =>
      runOnce().then(
        () => reads.inc({ result: 'ok' }),
        (error: unknown) => {
          reads.inc({ result: 'failed' });
          // Anything else (the database, a bug) keeps its stack.
          const why = error instanceof RefundsNotRead ? { reason: error.message } : { err: error };
          app.log.warn(why, 'refunds not read this time; next try in one interval');
          throw error;
        },
      ),
    ).catch(() => undefined);
    running.finally(() => timer !== undefined && schedule());
  };
  app.addHook('onReady', async () => schedule());
  app.addHook('preClose', async () => {
    clearTimeout(timer);
    timer = undefined;
    await running;
  });
}

export const refundSyncPlugin = fp(refundSync, {
  name: 'refund-sync',
  fastify: '5.x',
  dependencies: ['@myshop/db', '@myshop/health', '@myshop/metrics', 'service-tokens', 'payment-client'],
});
