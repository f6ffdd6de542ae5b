/**
 * Checkout against the real payment service, running as its own process on its own database and
 * trusting the same token issuer as the cart. Payment state is shared by the tests of this file;
 * each test uses new users, and a fresh cart database.
 */
import { randomUUID } from 'node:crypto';
import { createTestIssuer, type TestIssuer } from '@myshop/auth/testing';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { READY_LINES, READY_TOTAL } from './checkout-ready.ts';
import {
  card,
  cartHolding,
  checkout,
  DECLINED_CARD,
  fillCart,
  INSUFFICIENT_FUNDS_CARD,
  SOCKS,
  TSHIRT,
  VISA,
  type SignedInUser,
} from './helpers.ts';
import { startPaymentService, type PaymentService } from './payment-process.ts';

let issuer: TestIssuer;
let payment: PaymentService;

beforeAll(async () => {
  issuer = await createTestIssuer();
  payment = await startPaymentService(issuer);
});
afterAll(async () => {
  await payment?.close();
});

/** A signed-in user whose cart holds READY_LINES, the cart service paying through the real payment service. */
const setUp = () => cartHolding(READY_LINES, { issuer, env: { PAYMENT_URL: payment.url, PAYMENT_TIMEOUT_MS: '5000' } });

/** Asks the payment service directly, as the user (what the journey does through the gateway). */
async function paymentApi(user: SignedInUser, path: string) {
  const response = await request(`${payment.url}${path}`, { headers: user.headers });
  return {
    statusCode: response.statusCode,
    body: (await response.body.json()) as Record<string, unknown> & { items?: Array<Record<string, unknown>> },
  };
}

describe('POST /cart/checkout with the payment service', () => {
  it('charges the cart total once; the charge carries the order id; a replay charges nothing more', async () => {
    const { app, user, storedCart, storedOrders } = await setUp();
    const key = randomUUID();
    const response = await checkout(app, user, { key });
    expect(response.statusCode, payment.output()).toBe(201);
    const body = response.json();
    expect(body).toMatchObject({ status: 'paid', amount: READY_TOTAL, currency: 'USD', chargeId: expect.any(String) });

    const charge = await paymentApi(user, `/payment/charges/${body.chargeId}`);
    expect(charge.statusCode).toBe(200);
    expect(charge.body).toMatchObject({
      id: body.chargeId,
      status: 'succeeded',
      amount: READY_TOTAL,
      amountRefunded: 0,
      currency: 'USD',
      card: { last4: '4242' },
      description: `myshop order ${body.orderId}`,
      metadata: { orderId: body.orderId },
    });
    expect(await storedOrders(user)).toMatchObject([{ status: 'paid', charge_id: body.chargeId }]);
    expect(await storedCart(user)).toEqual([]);

    const again = await checkout(app, user, { key });
    expect(again.statusCode).toBe(201);
    expect(again.json()).toEqual(body);
    const charges = await paymentApi(user, '/payment/charges');
    expect(charges.body.items).toHaveLength(1);
  });

  it.each([
    [DECLINED_CARD, 'card_declined', {}],
    [INSUFFICIENT_FUNDS_CARD, 'insufficient_funds', {}],
    [VISA, 'expired_card', { expYear: 2020 }],
  ])('passes a decline of %s on as 402 %s and keeps the cart; payment stored the failed charge', async (number, code, overrides) => {
    const { app, user, storedCart, storedOrders } = await setUp();
    const response = await checkout(app, user, { card: card({ number, ...overrides }) });
    expect(response.statusCode, payment.output()).toBe(402);
    expect(response.json()).toMatchObject({ statusCode: 402, code, error: 'Payment Required' });
    expect(await storedOrders(user)).toMatchObject([{ status: 'failed', failure_code: code, charge_id: null }]);
    expect(await storedCart(user)).toEqual([
      { product_id: SOCKS.id, quantity: 2 },
      { product_id: TSHIRT.id, quantity: 1 },
    ]);
    const charges = await paymentApi(user, '/payment/charges');
    expect(charges.body.items).toMatchObject([{ status: 'failed', failureCode: code, amount: READY_TOTAL }]);
  });

  it("keeps one user's order and charge from another: both answer 404", async () => {
    const { app, user, signIn } = await setUp();
    const paid = (await checkout(app, user)).json();
    const stranger = await signIn();
    const order = await app.inject({ method: 'GET', url: `/cart/orders/${paid.orderId}`, headers: stranger.headers });
    expect(order.statusCode).toBe(404);
    const charge = await paymentApi(stranger, `/payment/charges/${paid.chargeId}`);
    expect(charge.statusCode).toBe(404);
  });

  it('keeps each shopper’s Idempotency-Key their own: two shoppers checking out with one key each pay for their own cart', async () => {
    const { app, user, signIn, storedOrders, storedCart } = await setUp();
    const other = await signIn();
    await fillCart(app, other, [{ productId: SOCKS.id, quantity: 1 }]);
    const key = randomUUID();

    const mine = await checkout(app, user, { key });
    const theirs = await checkout(app, other, { key });

    expect(mine.statusCode, payment.output()).toBe(201);
    expect(theirs.statusCode, payment.output()).toBe(201);
    expect(theirs.headers['idempotent-replayed']).toBeUndefined();
    expect(theirs.json()).toMatchObject({ status: 'paid', amount: SOCKS.price });
    expect(theirs.json().orderId).not.toBe(mine.json().orderId);
    expect(await storedOrders(other)).toMatchObject([{ status: 'paid', amount: SOCKS.price }]);
    expect(await storedCart(other)).toEqual([]);
    expect((await paymentApi(other, '/payment/charges')).body.items).toMatchObject([{ amount: SOCKS.price }]);
  });

  it('lets exactly one of concurrent checkouts with one key charge', async () => {
    const { app, user, storedOrders } = await setUp();
    const key = randomUUID();
    const responses = await Promise.all(Array.from({ length: 6 }, () => checkout(app, user, { key })));
    const statuses = responses.map((response) => response.statusCode);
    expect(
      statuses.every((status) => status === 201 || status === 409),
      statuses.join(),
    ).toBe(true);
    expect(responses.filter((response) => response.statusCode === 201 && !response.headers['idempotent-replayed'])).toHaveLength(1);
    expect(await storedOrders(user)).toMatchObject([{ status: 'paid' }]);
    expect((await paymentApi(user, '/payment/charges')).body.items).toHaveLength(1);
  });

  it('answers 503 while payment is down and keeps the cart; the retry after it is back charges once', async () => {
    const { app, user, storedCart, storedOrders } = await setUp();
    const key = randomUUID();
    await payment.stop();
    try {
      const down = await checkout(app, user, { key });
      expect(down.statusCode).toBe(503);
      expect(down.json()).toMatchObject({ code: 'CART_PAYMENT_UNAVAILABLE' });
      expect(await storedCart(user)).toHaveLength(2);
      expect(await storedOrders(user)).toMatchObject([{ status: 'pending' }]);
    } finally {
      await payment.restart();
    }
    const retried = await checkout(app, user, { key });
    expect(retried.statusCode, payment.output()).toBe(201);
    expect(retried.json()).toMatchObject({ amount: READY_TOTAL });
    expect(await storedOrders(user)).toMatchObject([{ status: 'paid', attempts: 2 }]);
    expect(await storedCart(user)).toEqual([]);
    expect((await paymentApi(user, '/payment/charges')).body.items).toHaveLength(1);
  });
});
