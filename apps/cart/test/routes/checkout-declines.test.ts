import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { cartReadyToCheckOut, READY_LINES } from '../checkout-ready.ts';
import { card, DECLINED_CARD, fillCart, postCheckout } from '../helpers.ts';

const declined = card({ number: DECLINED_CARD });

const TOO_MANY_DECLINES = {
  statusCode: 429,
  code: 'CART_TOO_MANY_DECLINES',
  error: 'Too Many Requests',
  message: 'Too many declined checkouts, try again later',
};

describe('POST /cart/checkout after declines', () => {
  it('refuses a new key with 429 CART_TOO_MANY_DECLINES after CHECKOUT_DECLINES_MAX declines in a row, recording and charging nothing', async () => {
    const { api, user, payment, storedOrders, signIn, app } = await cartReadyToCheckOut({ CHECKOUT_DECLINES_MAX: '3' });
    const keys = [randomUUID(), randomUUID(), randomUUID()];
    for (const key of keys) expect((await postCheckout(api, user, { key, card: declined })).status).toBe(402);

    for (const attempt of [declined, card()]) {
      const refused = await postCheckout(api, user, { card: attempt });
      expect(refused.status).toBe(429);
      expect(refused.body).toEqual(TOO_MANY_DECLINES);
      const retryAfter = Number(refused.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(3500);
      expect(retryAfter).toBeLessThanOrEqual(3600);
    }
    expect(payment.requests).toHaveLength(3);
    expect(await storedOrders(user)).toHaveLength(3);

    // A key that was declined still replays its answer; another shopper is not held back.
    const replay = await postCheckout(api, user, { key: keys[0], card: declined });
    expect(replay.status).toBe(402);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    const other = await signIn();
    await fillCart(app, other, READY_LINES);
    expect((await postCheckout(api, other, { card: card() })).status).toBe(201);
  });

  it('counts declines in a row within the window: a paid order starts the count again, and declines leave with the window', async () => {
    const { api, app, user, storedOrders, database } = await cartReadyToCheckOut({
      CHECKOUT_DECLINES_MAX: '2',
      CHECKOUT_DECLINE_WINDOW_SECONDS: '60',
    });
    expect((await postCheckout(api, user, { card: declined })).status).toBe(402);
    expect((await postCheckout(api, user, { card: card() })).status).toBe(201);
    await fillCart(app, user, READY_LINES);
    expect((await postCheckout(api, user, { card: declined })).status).toBe(402);
    expect((await postCheckout(api, user, { card: declined })).status).toBe(402);

    const refused = await postCheckout(api, user, { card: declined });
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(30);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // A minute on: the orders' own times moved back rather than the test sleeping through the window.
    await database.query(`UPDATE orders SET created_at = created_at - interval '61 seconds'`);
    expect((await postCheckout(api, user, { card: card() })).status).toBe(201);
    expect((await storedOrders(user)).map((order) => order.status)).toEqual(['failed', 'paid', 'failed', 'failed', 'paid']);
  });

  it('does not count a checkout abandoned for another key as a decline: nothing of the card was refused', async () => {
    const { api, user, payment, storedOrders } = await cartReadyToCheckOut({ CHECKOUT_DECLINES_MAX: '2' });
    payment.state.override = {
      statusCode: 503,
      body: { statusCode: 503, code: 'SERVICE_UNAVAILABLE', error: 'Service Unavailable', message: 'down' },
    };
    expect((await postCheckout(api, user)).status).toBe(503);
    payment.state.override = undefined;
    // A new key settles that checkout first (voided: abandoned), then is declined itself.
    expect((await postCheckout(api, user, { card: declined })).status).toBe(402);

    expect((await postCheckout(api, user, { card: card() })).status).toBe(201);
    expect((await storedOrders(user)).map((order) => [order.status, order.failure_code])).toEqual([
      ['failed', 'abandoned'],
      ['failed', 'card_declined'],
      ['paid', null],
    ]);
  });
});
