import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { httpClient } from '@myshop/testing';
import { describe, expect, it, onTestFinished } from 'vitest';
import { buildPayment, chargeBody, createCharge, createRefund } from '../helpers.ts';

type Payment = Awaited<ReturnType<typeof buildPayment>>;

async function readFeed(payment: Payment, after?: string, limit?: number) {
  const service = await payment.cartService();
  const query = new URLSearchParams({ ...(after ? { after } : {}), ...(limit ? { limit: String(limit) } : {}) });
  const api = await httpClient(payment.app);
  const response = await api.get(`/payment/refunds?${query}`).set(service.headers);
  expect(response.status, response.text).toBe(200);
  return response.body as {
    items: Array<{ id: string; chargeId: string; orderId: string | null; amount: number; createdAt: string }>;
    nextCursor: string;
  };
}

/**
 * Reads until `count` refunds have arrived: the feed shows a refund once every transaction older
 * than it has ended, anywhere on the database server (other tests run their own meanwhile).
 */
async function readFeedUntil(payment: Payment, count: number, after?: string, limit?: number) {
  let page = await readFeed(payment, after, limit);
  for (const deadline = Date.now() + 10_000; page.items.length < count && Date.now() < deadline;) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    page = await readFeed(payment, after, limit);
  }
  return page;
}

async function chargeForOrder(payment: Payment, orderId: string, amount = 10_000) {
  const user = await payment.signIn();
  return (await createCharge(payment.app, user, chargeBody({ amount, metadata: { orderId } }))).json().id as string;
}

describe('GET /payment/refunds (the refund feed)', () => {
  it('gives every refund once, in commit order, with the order its charge paid for, page by page', async () => {
    const payment = await buildPayment();
    const operator = await payment.signInOperator();
    const empty = await readFeed(payment);
    expect(empty.items).toEqual([]);

    const orderA = randomUUID();
    const chargeA = await chargeForOrder(payment, orderA);
    const chargeB = await (async () => {
      const user = await payment.signIn();
      return (await createCharge(payment.app, user, chargeBody())).json().id as string;
    })();
    const amounts = [100, 200, 300];
    for (const amount of amounts) expect((await createRefund(payment.app, operator, chargeA, { amount })).statusCode).toBe(201);
    expect((await createRefund(payment.app, operator, chargeB, { amount: 50 })).statusCode).toBe(201);

    const first = await readFeedUntil(payment, 3, empty.nextCursor, 3);
    expect(first.items.map((item) => [item.chargeId, item.orderId, item.amount])).toEqual([
      [chargeA, orderA, 100],
      [chargeA, orderA, 200],
      [chargeA, orderA, 300],
    ]);
    const second = await readFeedUntil(payment, 1, first.nextCursor, 3);
    expect(second.items.map((item) => [item.chargeId, item.orderId, item.amount])).toEqual([[chargeB, null, 50]]);
    // Nothing new: the same cursor again, to poll from.
    const third = await readFeed(payment, second.nextCursor);
    expect(third).toEqual({ items: [], nextCursor: second.nextCursor });
  });

  it('never moves its cursor past a refund whose transaction is still open', async () => {
    const payment = await buildPayment();
    const operator = await payment.signInOperator();
    const chargeId = await chargeForOrder(payment, randomUUID());
    const laterChargeId = await chargeForOrder(payment, randomUUID());

    // A refund being recorded right now (its transaction not committed yet)…
    const slow = new pg.Client({ connectionString: payment.database.url });
    await slow.connect();
    onTestFinished(() => slow.end());
    await slow.query('BEGIN');
    await slow.query('SELECT pg_current_xact_id()');
    await slow.query(`INSERT INTO refunds (charge_id, amount) VALUES ($1, 10)`, [chargeId]);
    // …while a later one commits first.
    expect((await createRefund(payment.app, operator, laterChargeId, { amount: 20 })).statusCode).toBe(201);

    const during = await readFeed(payment);
    expect(during.items).toEqual([]);

    await slow.query('COMMIT');
    const after = await readFeedUntil(payment, 2, during.nextCursor);
    expect(after.items.map((item) => item.amount)).toEqual([10, 20]);
  });

  it('is the cart’s to read: a shopper’s, an operator’s or a charging token is 403', async () => {
    const payment = await buildPayment();
    const alice = await payment.signIn();
    const operator = await payment.signInOperator();
    const api = await httpClient(payment.app);
    for (const headers of [alice.headers, operator.headers, alice.cart]) {
      const response = await api.get('/payment/refunds').set(headers);
      expect(response.status).toBe(403);
      expect(response.body.code).toBe('AUTH_FORBIDDEN');
    }
  });

  it.each([
    ['garbage', '!!!'],
    ['not an array', Buffer.from('"x"').toString('base64url')],
    ['a transaction id that is not a number', Buffer.from('["x", "1b4e28ba-2fa1-11d2-883f-0016d3cca427"]').toString('base64url')],
    ['an id that is not a uuid', Buffer.from('["1", "nope"]').toString('base64url')],
    [
      'a transaction id past 64 bits',
      Buffer.from('["18446744073709551616", "1b4e28ba-2fa1-11d2-883f-0016d3cca427"]').toString('base64url'),
    ],
  ])('refuses a cursor that is %s with 400 PAYMENT_INVALID_CURSOR', async (_name, after) => {
    const payment = await buildPayment();
    const service = await payment.cartService();
    const api = await httpClient(payment.app);
    const response = await api.get(`/payment/refunds?after=${after}`).set(service.headers);
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('PAYMENT_INVALID_CURSOR');
  });
});
