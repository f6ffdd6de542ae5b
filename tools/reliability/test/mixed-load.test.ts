import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import { describe, expect, it, onTestFinished } from 'vitest';
import { GatewayClient } from '@myshop/devstack';
import { isFailure, MixedLoad, retryAfterMs } from '../src/mixed-load.ts';
import { DECLINED } from '../src/shoppers.ts';

/**
 * A shop that keeps the contract the load relies on, and fails the first attempt of every
 * checkout key with 503 + Retry-After: 1, as a replica does when its database is away.
 */
async function fakeShop() {
  const app = Fastify();
  const attempts = new Map<string, number>();
  const tokens = new Set<string>();
  app.addHook('onRequest', async (request) => {
    tokens.add(String(request.headers.authorization));
    if (request.headers.host !== 'myshop.com') throw new Error(`host ${request.headers.host}`);
  });
  app.get('/cart/products', async () => ({ items: [], nextCursor: null }));
  app.post('/cart/items', async (_request, reply) => reply.code(201).send({ items: [] }));
  app.put('/cart/items/:id', async () => ({ items: [] }));
  app.get('/cart', async () => ({ items: [] }));
  app.get('/cart/orders', async () => ({ items: [] }));
  app.get('/user/me', async () => ({ id: 'me' }));
  app.get('/payment/charges', async () => ({ items: [] }));
  app.post('/cart/checkout', async (request, reply) => {
    const key = String(request.headers['idempotency-key']);
    const attempt = (attempts.get(key) ?? 0) + 1;
    attempts.set(key, attempt);
    if (attempt === 1) return reply.code(503).header('retry-after', '1').send({ statusCode: 503, code: 'SERVICE_UNAVAILABLE' });
    const { card } = request.body as { card: { number: string } };
    if (card.number === DECLINED) return reply.code(402).send({ statusCode: 402, code: 'card_declined' });
    return reply.code(201).send({ orderId: randomUUID(), chargeId: randomUUID(), status: 'paid', amount: 100 });
  });
  const origin = await app.listen({ host: '127.0.0.1', port: 0 });
  onTestFinished(() => app.close());
  return { origin, attempts, tokens };
}

describe('MixedLoad', () => {
  it('paces every shopper together, counts failures, and retries a checkout with the same key until it ends', async () => {
    const shop = await fakeShop();
    const client = new GatewayClient(shop.origin, 16);
    onTestFinished(() => client.close());
    const shoppers = Array.from({ length: 6 }, (_, index) => ({ email: `s${index}@example.com`, token: `token-${index}` }));
    const load = new MixedLoad({ client, shoppers, products: [{ id: randomUUID(), price: 100 }], ratePerSecond: 80, declineEvery: 2 });
    load.start();
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const summary = await load.stop(10_000);

    // Paced: never faster than asked (a little slack for the first slot).
    expect(summary.ratePerSecond).toBeLessThanOrEqual(80 * 1.1);
    expect(summary.ratePerSecond).toBeGreaterThan(0);
    expect(shop.tokens).toEqual(new Set(shoppers.map((shopper) => `Bearer ${shopper.token}`)));
    // Every checkout key was tried twice: the 503, then the same key again, which ended it.
    expect(load.checkouts.length).toBeGreaterThan(0);
    expect([...shop.attempts.values()].every((count) => count === 2)).toBe(true);
    expect(load.checkouts.every((record) => record.attempts === 2 && ['paid', 'declined'].includes(record.outcome))).toBe(true);
    expect(summary.checkouts.paid).toBeGreaterThan(0);
    expect(summary.checkouts.declined).toBeGreaterThan(0);
    // The failures are exactly the first attempts, all 503 + Retry-After.
    expect(summary.failures).toBe(load.checkouts.length);
    expect(load.samples.filter(isFailure).every((sample) => sample.status === 503 && sample.retryAfter === '1')).toBe(true);
    expect(summary.unexpected).toBe(0);
    expect(summary.byKind.read).toBeGreaterThan(summary.byKind['cart-write']);
  });

  it('records a request that gets no answer as a failure with its error code', async () => {
    const client = new GatewayClient('http://127.0.0.1:1', 2);
    onTestFinished(() => client.close());
    const load = new MixedLoad({
      client,
      shoppers: [{ email: 'x@example.com', token: 't' }],
      products: [{ id: randomUUID(), price: 1 }],
      ratePerSecond: 50,
    });
    load.start();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const summary = await load.stop(0);
    expect(summary.failures).toBe(summary.requests);
    expect(summary.failureSamples[0]).toMatchObject({ route: 'GET /cart/products', code: 'ECONNREFUSED' });
    expect(summary.failureSamples[0]!.status).toBeUndefined();
  });
});

describe('retryAfterMs', () => {
  it('follows Retry-After in seconds, 1 s when absent or unreadable, at most 5 s', () => {
    const answer = (value?: string) => ({ status: 503, headers: value === undefined ? {} : { 'retry-after': value }, body: undefined });
    expect(retryAfterMs(answer('2'))).toBe(2000);
    expect(retryAfterMs(answer())).toBe(1000);
    expect(retryAfterMs(answer('soon'))).toBe(1000);
    expect(retryAfterMs(answer('120'))).toBe(5000);
    expect(retryAfterMs(undefined)).toBe(1000);
  });
});
