/**
 * Checkout against a stand-in that keeps the payment contract, so that every failure the real
 * service can show (down, slow, 5xx, replays, in progress) can be produced on demand. The same
 * journeys against the real payment service are in test/checkout-with-payment.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { decodeJwt } from 'jose';
import { httpClient } from '@myshop/testing';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { paymentIdempotencyKey } from '../../src/checkout.ts';
import { startFakePayment } from '../fake-payment.ts';
import { cartReadyToCheckOut, READY_TOTAL } from '../checkout-ready.ts';
import {
  addItem,
  addProducts,
  buildCart,
  card,
  DECLINED_CARD,
  fillCart,
  FUTURE_YEAR,
  INSUFFICIENT_FUNDS_CARD,
  postCheckout,
  SHORT_PAYMENT_DEADLINE,
  SOCKS,
  TOKEN_REFUSED,
  tokenEndpoint,
  TSHIRT,
  UNREACHABLE_URL,
  VISA,
} from '../helpers.ts';

/** Makes one test database refuse connections and drops the open ones, until `end()`. */
function databaseOutage(databaseUrl: string) {
  const name = new URL(databaseUrl).pathname.slice(1);
  const server = new URL(databaseUrl);
  server.pathname = '/postgres';
  const run = async (sql: string) => {
    const client = new pg.Client({ connectionString: server.href });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  return {
    start: async () => {
      await run(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
      await run(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}'`);
    },
    end: () => run(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`),
  };
}

const ITEMS = [
  { productId: SOCKS.id, name: SOCKS.name, quantity: 2, unitPrice: SOCKS.price, lineTotal: 2 * SOCKS.price },
  { productId: TSHIRT.id, name: TSHIRT.name, quantity: 1, unitPrice: TSHIRT.price, lineTotal: TSHIRT.price },
];

describe('POST /cart/checkout', () => {
  it('records the order, charges the total through payment, answers 201 and empties the cart', async () => {
    const { api, user, payment, storedCart, storedOrders, database } = await cartReadyToCheckOut();
    const key = randomUUID();
    const response = await api
      .post('/cart/checkout')
      .set({ ...user.headers, 'idempotency-key': key, 'x-request-id': 'checkout-req-1' })
      .send({ card: card() });

    expect(response.status).toBe(201);
    const body = response.body;
    expect(body).toEqual({
      orderId: expect.any(String),
      status: 'paid',
      amount: READY_TOTAL,
      currency: 'USD',
      chargeId: payment.charges[0]!.id,
      items: ITEMS,
    });
    expect(response.headers['idempotent-replayed']).toBeUndefined();

    // What payment was asked: the server-side total, the card as given, the caller's token, our request id.
    expect(payment.requests).toHaveLength(1);
    const [request] = payment.requests;
    expect(request!.body).toEqual({
      amount: READY_TOTAL,
      currency: 'USD',
      card: { number: VISA, expMonth: 12, expYear: FUTURE_YEAR, cvc: '123' },
      description: `myshop order ${body.orderId}`,
      metadata: { orderId: body.orderId },
    });
    // Cart calls payment as itself acting for the shopper, never with the shopper's own token.
    expect(request!.headers.authorization).not.toBe(user.headers.authorization);
    expect(decodeJwt(String(request!.headers.authorization).replace('Bearer ', ''))).toMatchObject({
      sub: user.id,
      aud: 'payment',
      act: { sub: 'cart' },
      scope: 'payment:charge',
    });
    expect(request!.headers['idempotency-key']).toBe(paymentIdempotencyKey(key));
    expect(request!.headers['x-request-id']).toBe('checkout-req-1');
    expect(request!.headers['user-agent']).toMatch(/^myshop-cart\//);

    // What was persisted: a paid order with its lines at catalogue prices, and an empty cart.
    expect(await storedOrders(user)).toEqual([
      { id: body.orderId, status: 'paid', amount: READY_TOTAL, charge_id: payment.charges[0]!.id, failure_code: null, attempts: 1 },
    ]);
    const lines = await database.query(
      'SELECT product_id, name, unit_price::int, quantity, line_total::int FROM order_items WHERE order_id = $1 ORDER BY position',
      [body.orderId],
    );
    expect(lines).toEqual(
      ITEMS.map((item) => ({
        product_id: item.productId,
        name: item.name,
        unit_price: item.unitPrice,
        quantity: item.quantity,
        line_total: item.lineTotal,
      })),
    );
    expect(await storedCart(user)).toEqual([]);
  });

  it('derives the payment key from the checkout key: the same key, the same payment key, and nothing else', () => {
    // A fixed value, not one computed by the function again: a retry after a restart, or through
    // another replica, must ask payment for the same charge.
    expect(paymentIdempotencyKey('abc')).toBe('cart-checkout-ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(paymentIdempotencyKey('abc')).not.toBe(paymentIdempotencyKey('abd'));
    expect(paymentIdempotencyKey('x'.repeat(255))).toMatch(/^cart-checkout-[0-9a-f]{64}$/);
  });

  it('replays a finished checkout for the same key: same status and body, no second charge', async () => {
    const { app, api, user, payment, storedCart, storedOrders } = await cartReadyToCheckOut();
    const key = randomUUID();
    const first = await postCheckout(api, user, { key });
    // The cart fills up again; a replay must not check it out.
    await fillCart(app, user, [{ productId: SOCKS.id, quantity: 1 }]);
    const again = await postCheckout(api, user, { key });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    // Both name the order, and the shopper reads it there.
    expect(first.headers.location).toBe(`/cart/orders/${first.body.orderId}`);
    expect(again.headers.location).toBe(first.headers.location);
    const order = await api.get(first.headers.location!).set(user.headers);
    expect(order.status).toBe(200);
    expect(order.body).toMatchObject({ id: first.body.orderId, status: 'paid' });
    expect(payment.requests).toHaveLength(1);
    expect(await storedOrders(user)).toHaveLength(1);
    expect(await storedCart(user)).toEqual([{ product_id: SOCKS.id, quantity: 1 }]);
  });

  it('refuses a finished checkout’s key with another card (422), instead of answering that this card paid', async () => {
    const { api, user, payment, storedOrders, database } = await cartReadyToCheckOut();
    const key = randomUUID();
    const first = await postCheckout(api, user, { key });
    expect(first.status).toBe(201);
    // Another brand; the same issuer (first six digits) and brand, another account; another expiry month or year.
    const others = [
      card({ number: '5555555555554444' }),
      card({ number: '4242424242421230' }),
      card({ expMonth: 1 }),
      card({ expYear: card().expYear + 1 }),
    ];
    for (const other of others) {
      const response = await postCheckout(api, user, { key, card: other });
      expect(response.status).toBe(422);
      expect(response.body).toEqual({
        statusCode: 422,
        code: 'CART_CHECKOUT_KEY_REUSED',
        error: 'Unprocessable Entity',
        message: 'This Idempotency-Key was already used for a checkout with different payment details',
      });
    }
    // The same card with another CVC is the same card: its retry replays (the CVC is never kept).
    const sameCard = await postCheckout(api, user, { key, card: card({ cvc: '999' }) });
    expect(sameCard.status).toBe(201);
    expect(sameCard.body).toEqual(first.body);
    expect(payment.requests).toHaveLength(1);
    expect(await storedOrders(user)).toMatchObject([{ status: 'paid' }]);
    // What is kept is a keyed fingerprint, never the card: no digit run of its number is in it.
    const kept = (await database.query<{ card_fingerprint: string }>('SELECT card_fingerprint FROM orders'))[0]?.card_fingerprint;
    expect(kept).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(kept).not.toContain(card().number.slice(-4));
  });

  it('replays the orders recorded before fingerprints were kept, whatever the card', async () => {
    const { api, user, database } = await cartReadyToCheckOut();
    const key = randomUUID();
    const first = await postCheckout(api, user, { key });
    await database.query('UPDATE orders SET card_fingerprint = NULL');
    const again = await postCheckout(api, user, { key, card: card({ number: '5555555555554444' }) });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
  });

  it('prices the order from the catalogue at checkout time', async () => {
    const { api, user, payment, database } = await cartReadyToCheckOut();
    await database.query('UPDATE products SET price = 1000 WHERE id = $1', [SOCKS.id]);
    const response = await postCheckout(api, user);
    expect(response.body).toMatchObject({ amount: 2 * 1000 + TSHIRT.price });
    expect(payment.requests[0]!.body.amount).toBe(2 * 1000 + TSHIRT.price);
  });

  it('answers 400 without an Idempotency-Key, recording and charging nothing', async () => {
    const { api, user, payment, storedCart, storedOrders } = await cartReadyToCheckOut();
    const response = await postCheckout(api, user, { key: null });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      statusCode: 400,
      code: 'FST_ERR_VALIDATION',
      error: 'Bad Request',
      message: 'headers/idempotency-key is required',
    });
    expect(await storedOrders(user)).toEqual([]);
    expect(await storedCart(user)).toHaveLength(2);
    expect(payment.requests).toHaveLength(0);
  });

  it.each([
    ['an empty key', ''],
    ['a key with spaces', 'my key'],
    ['a key too long', 'k'.repeat(256)],
  ])('answers 400 for %s', async (_case, key) => {
    const { api, user, payment, storedOrders } = await cartReadyToCheckOut();
    const response = await postCheckout(api, user, { key });
    expect(response.status).toBe(400);
    expect(await storedOrders(user)).toEqual([]);
    expect(payment.requests).toHaveLength(0);
  });

  it.each([
    ['no card', {}, 'body/card is required'],
    ['a card number with letters', { card: card({ number: '4242abcd42424242' }) }, 'body/card/number must match pattern "^[0-9]{12,19}$"'],
    ['a month 13', { card: card({ expMonth: 13 }) }, 'body/card/expMonth must be <= 12'],
    ['a two-digit year', { card: card({ expYear: 27 }) }, 'body/card/expYear must be >= 2000'],
    ['a cvc of 2 digits', { card: card({ cvc: '12' }) }, 'body/card/cvc must match pattern "^[0-9]{3,4}$"'],
    ['a cvc as a number', { card: card({ cvc: 123 }) }, 'body/card/cvc must be string'],
    ['an amount of its own', { card: card(), amount: 1 }, 'body/amount is not allowed'],
    ['a card field too many', { card: card({ holder: 'Ada' }) }, 'body/card/holder is not allowed'],
  ])('answers 400 for %s, recording and charging nothing', async (_case, payload, message) => {
    const { api, user, payment, storedCart, storedOrders } = await cartReadyToCheckOut();
    const response = await postCheckout(api, user, { payload });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: 'FST_ERR_VALIDATION', message });
    expect(await storedOrders(user)).toEqual([]);
    expect(await storedCart(user)).toHaveLength(2);
    expect(payment.requests).toHaveLength(0);
  });

  it.each([
    ['failing the check digit', '4242424242424241'],
    ['of zeros, which passes the check digit but names no issuer', '000000000000'],
  ])('answers 400 CART_INVALID_CARD_NUMBER for a number %s, before recording anything', async (_, number) => {
    const { api, user, payment, storedOrders } = await cartReadyToCheckOut();
    const key = randomUUID();
    const response = await postCheckout(api, user, { key, card: card({ number }) });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: 'CART_INVALID_CARD_NUMBER' });
    expect(await storedOrders(user)).toEqual([]);
    expect(payment.requests).toHaveLength(0);
    // The key was not used up: the corrected card goes through with it.
    expect((await postCheckout(api, user, { key })).status).toBe(201);
  });

  it('answers 409 CART_EMPTY for an empty cart, recording nothing', async () => {
    const { api, signIn, payment, storedOrders } = await cartReadyToCheckOut();
    const newcomer = await signIn();
    const response = await postCheckout(api, newcomer);
    expect(response.status).toBe(409);
    expect(response.body).toEqual({
      statusCode: 409,
      code: 'CART_EMPTY',
      error: 'Conflict',
      message: 'The cart is empty: there is nothing to check out',
    });
    expect(await storedOrders(newcomer)).toEqual([]);
    expect(payment.requests).toHaveLength(0);
  });

  it('answers 401 without a token', async () => {
    const { api, payment } = await cartReadyToCheckOut();
    const response = await api.post('/cart/checkout').set('idempotency-key', 'k').send({ card: card() });
    expect(response.status).toBe(401);
    expect(payment.requests).toHaveLength(0);
  });

  it('answers 401 for a token expired seconds ago (inside the clock tolerance) that the user service no longer exchanges, recording nothing; a retry with a new token pays once', async () => {
    const { api, payment, issuer, user, storedOrders } = await cartReadyToCheckOut();
    const justExpired = await issuer.sign(user.id, { expiresIn: Math.floor(Date.now() / 1000) - 2 });

    const refused = await api
      .post('/cart/checkout')
      .set({ authorization: `Bearer ${justExpired}`, 'idempotency-key': 'k-expired' })
      .send({ card: card() });

    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ statusCode: 401, code: 'AUTH_INVALID_TOKEN' });
    expect(refused.headers['www-authenticate']).toContain('error="invalid_token"');
    expect(payment.requests).toHaveLength(0);
    expect(await storedOrders(user)).toEqual([]);
    const retry = await api
      .post('/cart/checkout')
      .set({ ...user.headers, 'idempotency-key': 'k-expired' })
      .send({ card: card() });
    expect(retry.status).toBe(201);
    expect(payment.requests).toHaveLength(1);
  });

  it('answers 401 when the shopper’s token runs out during the checkout and payment refuses the token had for it, keeping the order pending; a retry with a new token pays once', async () => {
    // The payment token is had for a shopper's token in its last seconds (inside the clock
    // tolerance): by the time the charge reaches payment, both have run out.
    const { api, user, payment, storedOrders, logs } = await cartReadyToCheckOut({ TOKEN_URL: await tokenEndpoint(0) });
    payment.state.override = TOKEN_REFUSED;
    const key = randomUUID();

    const refused = await postCheckout(api, user, { key });

    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ statusCode: 401, code: 'AUTH_INVALID_TOKEN' });
    expect(refused.headers['www-authenticate']).toContain('error="invalid_token"');
    expect(await storedOrders(user)).toMatchObject([{ status: 'pending' }]);
    expect(logs.lines().some((line) => line.msg === 'payment refused the charge request')).toBe(false);
    // Signed in again, the shopper retries the key: the same order, charged once.
    payment.state.override = undefined;
    const retried = await postCheckout(api, user, { key });
    expect(retried.status).toBe(201);
    expect(payment.charges).toHaveLength(1);
    expect(await storedOrders(user)).toMatchObject([{ status: 'paid' }]);
  });

  it('answers 502 CART_PAYMENT_FAILED when payment refuses a payment token that has not run out: our integration is at fault', async () => {
    const { api, user, payment, storedOrders } = await cartReadyToCheckOut({ TOKEN_URL: await tokenEndpoint(300) });
    payment.state.override = TOKEN_REFUSED;
    const response = await postCheckout(api, user);
    expect(response.status).toBe(502);
    expect(response.body).toMatchObject({ code: 'CART_PAYMENT_FAILED' });
    expect(await storedOrders(user)).toMatchObject([{ status: 'pending' }]);
  });

  it('answers 422 CART_AMOUNT_LIMIT for a total payment cannot charge, recording nothing', async () => {
    const { app, api, database, signIn, payment, storedOrders } = await cartReadyToCheckOut();
    const user = await signIn();
    const [costly] = await addProducts(database, 1, 5_000_000);
    await fillCart(app, user, [{ productId: costly!, quantity: 20 }]);
    const response = await postCheckout(api, user);
    expect(response.status).toBe(422);
    expect(response.body).toMatchObject({ code: 'CART_AMOUNT_LIMIT' });
    expect(await storedOrders(user)).toEqual([]);
    expect(payment.requests).toHaveLength(0);
  });

  it('charges a total of exactly the limit (99,999,999), and refuses one unit more', async () => {
    const { app, api, database, signIn, payment } = await cartReadyToCheckOut();
    const atLimit = await signIn();
    const overLimit = await signIn();
    const [costly, penny] = await addProducts(database, 2, 1_010_101);
    await database.query('UPDATE products SET price = 1 WHERE id = $1', [penny]);
    await fillCart(app, atLimit, [{ productId: costly!, quantity: 99 }]);
    await fillCart(app, overLimit, [
      { productId: costly!, quantity: 99 },
      { productId: penny!, quantity: 1 },
    ]);

    const charged = await postCheckout(api, atLimit);
    const refused = await postCheckout(api, overLimit);

    expect(charged.status).toBe(201);
    expect(charged.body.amount).toBe(99_999_999);
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('CART_AMOUNT_LIMIT');
    expect(payment.requests).toHaveLength(1);
  });

  it.each([
    [DECLINED_CARD, 'card_declined'],
    [INSUFFICIENT_FUNDS_CARD, 'insufficient_funds'],
  ])('passes a decline (%s) on as 402 %s, marks the order failed and keeps the cart', async (number, code) => {
    const { api, user, payment, storedCart, storedOrders } = await cartReadyToCheckOut();
    const key = randomUUID();
    const response = await postCheckout(api, user, { key, card: card({ number }) });
    expect(response.status).toBe(402);
    expect(response.body).toEqual({ statusCode: 402, code, error: 'Payment Required', message: expect.any(String) });
    const [order] = await storedOrders(user);
    expect(order).toMatchObject({ status: 'failed', failure_code: code, charge_id: null, amount: READY_TOTAL });
    expect(await storedCart(user)).toEqual([
      { product_id: SOCKS.id, quantity: 2 },
      { product_id: TSHIRT.id, quantity: 1 },
    ]);

    // The same key and card get the same answer without asking payment again; another card
    // needs a new key, as at payment (422 with this one), and may then pay.
    const again = await postCheckout(api, user, { key, card: card({ number }) });
    expect(again.status).toBe(402);
    expect(again.body).toEqual(response.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect((await postCheckout(api, user, { key, card: card() })).body).toMatchObject({ code: 'CART_CHECKOUT_KEY_REUSED' });
    expect(payment.requests).toHaveLength(1);
    expect((await postCheckout(api, user, { card: card() })).status).toBe(201);
    expect(await storedCart(user)).toEqual([]);
  });

  it('answers 503 with Retry-After when payment refuses connections, keeps the cart, and a retry charges once', async () => {
    const payment = await startFakePayment();
    const { app, signIn, storedCart, storedOrders, replica } = await buildCart({ env: { PAYMENT_URL: UNREACHABLE_URL } });
    const api = await httpClient(app);
    const user = await signIn();
    await fillCart(app, user, [{ productId: SOCKS.id, quantity: 2 }]);
    const key = randomUUID();

    const down = await postCheckout(api, user, { key });
    expect(down.status).toBe(503);
    expect(down.headers['retry-after']).toBe('1');
    expect(down.body).toEqual({
      statusCode: 503,
      code: 'CART_PAYMENT_UNAVAILABLE',
      error: 'Service Unavailable',
      message: 'Payment is unavailable right now; retry with the same Idempotency-Key',
    });
    expect(await storedCart(user)).toEqual([{ product_id: SOCKS.id, quantity: 2 }]);
    expect(await storedOrders(user)).toMatchObject([{ status: 'pending', charge_id: null }]);

    // Payment is back (here: reached from another replica); the same key resumes the same order.
    const cartWithPayment = await replica({ PAYMENT_URL: payment.url });
    const retried = await postCheckout(await httpClient(cartWithPayment), user, { key });
    expect(retried.status).toBe(201);
    const [order] = await storedOrders(user);
    expect(retried.body).toMatchObject({ orderId: order!.id, amount: 2 * SOCKS.price });
    expect(order).toMatchObject({ status: 'paid', attempts: 2 });
    expect(payment.charges).toHaveLength(1);
    expect(await storedCart(user)).toEqual([]);
  });

  it('answers 503 when payment drops the connection, keeping the cart', async () => {
    const { api, user, payment, storedCart, storedOrders } = await cartReadyToCheckOut();
    payment.state.dropConnections = true;
    const response = await postCheckout(api, user);
    expect(response.status).toBe(503);
    expect(response.body).toMatchObject({ code: 'CART_PAYMENT_UNAVAILABLE' });
    expect(await storedCart(user)).toHaveLength(2);
    expect(await storedOrders(user)).toMatchObject([{ status: 'pending' }]);
    // Sent twice with one key (the second try routes around a replica that died), never more.
    expect(payment.requests).toHaveLength(2);
    expect(new Set(payment.requests.map((request) => request.headers['idempotency-key'])).size).toBe(1);
  });

  it('sends a charge cut short once (a payment replica dying) again with the same key: paid, charged once', async () => {
    const { api, user, payment, storedCart, storedOrders } = await cartReadyToCheckOut();
    payment.state.dropNextConnections = 1;
    const response = await postCheckout(api, user);
    expect(response.status).toBe(201);
    expect(payment.requests).toHaveLength(2);
    expect(payment.charges).toHaveLength(1);
    expect(await storedCart(user)).toHaveLength(0);
    expect(await storedOrders(user)).toMatchObject([{ status: 'paid' }]);
  });

  it.each([
    ['a 500', { statusCode: 500, body: { statusCode: 500, code: 'INTERNAL_SERVER_ERROR', error: 'Internal Server Error', message: 'x' } }],
    ['a 503', { statusCode: 503, body: { statusCode: 503, code: 'SERVICE_UNAVAILABLE', error: 'Service Unavailable', message: 'x' } }],
    ['a 201 of the wrong shape', { malformed: true as const }],
  ])('answers 503 when payment answers %s, keeping the cart and the order pending', async (_case, override) => {
    const { api, user, payment, storedCart, storedOrders } = await cartReadyToCheckOut();
    payment.state.override = override;
    const response = await postCheckout(api, user);
    expect(response.status).toBe(503);
    expect(response.body).toMatchObject({ code: 'CART_PAYMENT_UNAVAILABLE' });
    expect(await storedCart(user)).toHaveLength(2);
    expect(await storedOrders(user)).toMatchObject([{ status: 'pending', charge_id: null }]);
  });

  it('answers 503 when payment is too slow, and the retry gets the charge made meanwhile: charged once', async () => {
    const { api, user, payment, storedCart, storedOrders, config } = await cartReadyToCheckOut(SHORT_PAYMENT_DEADLINE);
    // Payment makes the charge and holds its answer past the deadline (PAYMENT_TIMEOUT_MS), up to 10 s.
    const release = payment.holdNextAnswer();
    const key = randomUUID();
    const started = Date.now();
    const slow = await postCheckout(api, user, { key });
    expect(slow.status).toBe(503);
    expect(slow.body).toMatchObject({ code: 'CART_PAYMENT_UNAVAILABLE' });
    // The deadline cut the wait short, well before the held answer came.
    expect(Date.now() - started).toBeLessThan(config.PAYMENT_TIMEOUT_MS + 4000);
    expect(await storedCart(user)).toHaveLength(2);
    expect(await storedOrders(user)).toMatchObject([{ status: 'pending' }]);

    // Payment made the charge all the same; the retry with the key gets it replayed.
    release();
    const retried = await postCheckout(api, user, { key });
    expect(retried.status).toBe(201);
    expect(retried.body.chargeId).toBe(payment.charges[0]!.id);
    expect(payment.charges).toHaveLength(1);
    expect(payment.requests).toHaveLength(2);
    expect(await storedOrders(user)).toMatchObject([{ status: 'paid', charge_id: payment.charges[0]!.id }]);
    expect(await storedCart(user)).toEqual([]);
  });

  it('answers 409 CART_CHECKOUT_IN_PROGRESS while payment still works on the same key, then settles on retry', async () => {
    const { api, user, payment, storedOrders } = await cartReadyToCheckOut(SHORT_PAYMENT_DEADLINE);
    const release = payment.holdNextAnswer();
    const key = randomUUID();
    expect((await postCheckout(api, user, { key })).status).toBe(503);
    // Payment has recorded the key but not answered yet: it says 409, and so do we.
    const keyOfPayment = paymentIdempotencyKey(key);
    payment.state.override = {
      statusCode: 409,
      body: { statusCode: 409, code: 'PAYMENT_IDEMPOTENCY_IN_PROGRESS', error: 'Conflict', message: 'wait' },
    };
    const busy = await postCheckout(api, user, { key });
    expect(busy.status).toBe(409);
    expect(busy.body).toMatchObject({ code: 'CART_CHECKOUT_IN_PROGRESS' });
    expect(busy.headers['retry-after']).toBe('1');
    expect(await storedOrders(user)).toMatchObject([{ status: 'pending' }]);
    release();
    payment.state.override = undefined;
    const settled = await postCheckout(api, user, { key });
    expect(settled.status).toBe(201);
    expect(payment.charges.filter((charge) => charge.key === keyOfPayment)).toHaveLength(1);
  });

  it('lets exactly one of concurrent checkouts with one key charge; the others wait (409) or replay', async () => {
    const { api, user, payment, storedOrders } = await cartReadyToCheckOut();
    payment.state.delayMs = 300;
    const key = randomUUID();
    const responses = await Promise.all(Array.from({ length: 8 }, () => postCheckout(api, user, { key })));
    const fresh = responses.filter((response) => response.status === 201 && !response.headers['idempotent-replayed']);
    expect(fresh).toHaveLength(1);
    for (const response of responses) {
      if (response.status === 201) expect(response.body).toEqual(fresh[0]!.body);
      else {
        expect(response.body).toMatchObject({ statusCode: 409, code: 'CART_CHECKOUT_IN_PROGRESS' });
        expect(response.headers['retry-after']).toBe('1');
      }
    }
    expect(payment.requests).toHaveLength(1);
    expect(await storedOrders(user)).toMatchObject([{ status: 'paid' }]);
  });

  it('answers an attempt that outlived its lease with what the retry that took over settled, as a replay: paid once', async () => {
    const { api, user, payment, database, storedOrders } = await cartReadyToCheckOut();
    const key = randomUUID();
    let takeover: Awaited<ReturnType<typeof postCheckout>> | undefined;
    // While payment works on the first attempt's charge, its lease runs out (a long pause) and a
    // retry with the key takes the order over, gets the charge replayed and settles the order.
    payment.state.onCharged = async () => {
      payment.state.onCharged = undefined;
      await database.query("UPDATE orders SET attempt_expires_at = now() - interval '1 second'");
      takeover = await postCheckout(api, user, { key });
    };

    const late = await postCheckout(api, user, { key });

    expect(takeover!.status).toBe(201);
    expect(takeover!.headers['idempotent-replayed']).toBeUndefined();
    expect(late.status).toBe(201);
    expect(late.body).toEqual(takeover!.body);
    expect(late.headers['idempotent-replayed']).toBe('true');
    expect(payment.charges).toHaveLength(1);
    expect(await storedOrders(user)).toMatchObject([{ status: 'paid', attempts: 2 }]);
  });

  it('recovers from losing the database between the charge and the order being marked paid: paid once', async () => {
    const { api, user, payment, database, storedCart, storedOrders, replica } = await cartReadyToCheckOut({ PAYMENT_TIMEOUT_MS: '1500' });
    const survivorApi = await httpClient(await replica({ PAYMENT_URL: payment.url }));
    const key = randomUUID();
    // The charge is made, then the database goes away before this attempt can record it: the
    // attempt dies as a crashed process would, leaving the order pending.
    const outage = databaseOutage(database.url);
    payment.state.onCharged = async () => {
      payment.state.onCharged = undefined;
      await outage.start();
    };
    const lost = await postCheckout(api, user, { key });
    // Whatever this attempt manages to say (the database refused or dropped it), it cannot settle.
    expect(lost.status).toBeGreaterThanOrEqual(500);
    expect(payment.charges).toHaveLength(1);
    await outage.end();
    expect(await storedOrders(user)).toMatchObject([{ status: 'pending', charge_id: null }]);
    expect(await storedCart(user)).toHaveLength(2);

    // Another replica takes the retry: while the dead attempt's lease lasts it asks to wait, then it settles.
    const early = await postCheckout(survivorApi, user, { key });
    expect(early.status).toBe(409);
    expect(early.body).toMatchObject({ code: 'CART_CHECKOUT_IN_PROGRESS' });
    // The lease is twice PAYMENT_TIMEOUT_MS + 1 s from when the dead attempt took it.
    await new Promise((resolve) => setTimeout(resolve, 4100));
    const retried = await postCheckout(survivorApi, user, { key });
    expect(retried.status).toBe(201);
    expect(retried.body).toMatchObject({ status: 'paid', chargeId: payment.charges[0]!.id, amount: READY_TOTAL });
    expect(payment.charges).toHaveLength(1);
    expect(await storedOrders(user)).toMatchObject([{ status: 'paid', charge_id: payment.charges[0]!.id, attempts: 2 }]);
    expect(await storedCart(user)).toEqual([]);
  });

  it('takes only what was bought out of the cart: a product added while payment worked stays', async () => {
    const { api, user, payment, storedCart } = await cartReadyToCheckOut();
    // While payment works on the charge, the shopper adds one more pair of socks.
    payment.state.onCharged = async () => {
      expect((await addItem(api, user, { productId: SOCKS.id, quantity: 1 })).status).toBe(201);
    };
    const response = await postCheckout(api, user);
    expect(response.status).toBe(201);
    expect(response.body.items).toMatchObject([
      { productId: SOCKS.id, quantity: 2 },
      { productId: TSHIRT.id, quantity: 1 },
    ]);
    // 2 socks were bought, 3 were in the cart when it settled.
    expect(await storedCart(user)).toEqual([{ product_id: SOCKS.id, quantity: 1 }]);
  });

  it('takes nothing out of another shopper’s cart holding the same products', async () => {
    const { app, api, user, signIn, storedCart } = await cartReadyToCheckOut();
    const other = await signIn();
    // More socks than were bought, and exactly as many T-shirts.
    await fillCart(app, other, [
      { productId: SOCKS.id, quantity: 5 },
      { productId: TSHIRT.id, quantity: 1 },
    ]);

    expect((await postCheckout(api, user)).status).toBe(201);

    expect(await storedCart(user)).toEqual([]);
    expect(await storedCart(other)).toEqual([
      { product_id: SOCKS.id, quantity: 5 },
      { product_id: TSHIRT.id, quantity: 1 },
    ]);
  });

  it('answers 422 CART_CHECKOUT_KEY_REUSED when a retry of a pending checkout brings another card, asking payment nothing', async () => {
    const { api, user, payment, storedOrders } = await cartReadyToCheckOut(SHORT_PAYMENT_DEADLINE);
    const release = payment.holdNextAnswer();
    const key = randomUUID();
    expect((await postCheckout(api, user, { key })).status).toBe(503);
    release();
    const asked = payment.requests.length;
    const other = await postCheckout(api, user, { key, card: card({ number: '5555555555554444' }) });
    expect(other.status).toBe(422);
    expect(other.body).toMatchObject({ code: 'CART_CHECKOUT_KEY_REUSED' });
    expect(payment.requests).toHaveLength(asked);
    expect(await storedOrders(user)).toMatchObject([{ status: 'pending' }]);
    // With the card it started with, the checkout completes.
    expect((await postCheckout(api, user, { key })).status).toBe(201);
    expect(payment.charges).toHaveLength(1);
  });

  it('answers 422 CART_CHECKOUT_KEY_REUSED when payment refuses the charge as another under its key, keeping the order pending and free', async () => {
    // An order kept without its card's fingerprint resumes with whatever card the retry brings;
    // payment, which has the first card's request under the key, refuses the second card's.
    const { api, user, payment, database, storedCart, storedOrders } = await cartReadyToCheckOut(SHORT_PAYMENT_DEADLINE);
    const release = payment.holdNextAnswer();
    const key = randomUUID();
    expect((await postCheckout(api, user, { key })).status).toBe(503);
    release();
    await database.query('UPDATE orders SET card_fingerprint = NULL');

    const other = await postCheckout(api, user, { key, card: card({ number: '5555555555554444' }) });

    expect(other.status).toBe(422);
    expect(other.body).toEqual({
      statusCode: 422,
      code: 'CART_CHECKOUT_KEY_REUSED',
      error: 'Unprocessable Entity',
      message: 'This Idempotency-Key was already used for a checkout with different payment details',
    });
    expect(await storedCart(user)).toHaveLength(2);
    expect(await storedOrders(user)).toMatchObject([{ status: 'pending' }]);
    // The refused attempt let go of the order: the retry with the first card completes it at once.
    expect((await postCheckout(api, user, { key })).status).toBe(201);
    expect(payment.charges).toHaveLength(1);
  });

  it('answers 502 CART_PAYMENT_FAILED when payment refuses the request itself, keeping the order pending', async () => {
    const { api, user, payment, storedCart, storedOrders, logs } = await cartReadyToCheckOut();
    payment.state.override = {
      statusCode: 400,
      body: { statusCode: 400, code: 'PAYMENT_CURRENCY_NOT_ACCEPTED', error: 'Bad Request', message: 'This shop only accepts EUR' },
    };
    const response = await postCheckout(api, user);
    expect(response.status).toBe(502);
    expect(response.body).toEqual({
      statusCode: 502,
      code: 'CART_PAYMENT_FAILED',
      error: 'Bad Gateway',
      message: 'Payment refused the request; retry later',
    });
    expect(await storedCart(user)).toHaveLength(2);
    expect(await storedOrders(user)).toMatchObject([{ status: 'pending' }]);
    expect(
      logs.lines().some((line) => line.msg === 'payment refused the charge request' && line.code === 'PAYMENT_CURRENCY_NOT_ACCEPTED'),
    ).toBe(true);
  });

  it('never stores or logs the card number or the cvc', async () => {
    const { api, user, database, logs } = await cartReadyToCheckOut();
    await postCheckout(api, user, { card: card({ number: DECLINED_CARD, cvc: '9876' }) });
    await postCheckout(api, user, { card: card({ number: '5555555555554444', cvc: '8765' }) });
    const dump = JSON.stringify([
      await database.query('SELECT * FROM orders'),
      await database.query('SELECT * FROM order_items'),
      await database.query('SELECT * FROM cart_items'),
    ]);
    // As a value of its own: a four-digit cvc also occurs by chance inside ids and timestamps
    // (hex digits and hyphens around it), which is no leak.
    const standalone = (secret: string) => new RegExp(`(?<![0-9a-f-])${secret}(?![0-9a-f-])`, 'i');
    for (const secret of [DECLINED_CARD, '5555555555554444', '9876', '8765']) {
      expect(dump).not.toMatch(standalone(secret));
      expect(logs.text()).not.toMatch(standalone(secret));
    }
    // The check bites: a cvc written as a log or column value is found.
    expect(JSON.stringify({ cvc: '8765' })).toMatch(standalone('8765'));
    expect('card 5555555555554444 declined').toMatch(standalone('5555555555554444'));
    expect(logs.lines().some((line) => line.msg === 'order settled')).toBe(true);
  });
});
