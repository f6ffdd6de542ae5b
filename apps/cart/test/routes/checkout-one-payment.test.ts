/**
 * One cart, one payment: whatever the keys (a double click, a client that makes a key per attempt,
 * several replicas), a cart is charged once; a checkout left unfinished is settled before another.
 */
import { randomUUID } from 'node:crypto';
import { httpClient } from '@myshop/testing';
import { describe, expect, it } from 'vitest';
import { cartReadyToCheckOut, READY_TOTAL } from '../checkout-ready.ts';
import { paymentIdempotencyKey } from '../../src/checkout.ts';
import { card, DECLINED_CARD, fillCart, postCheckout, SHORT_PAYMENT_DEADLINE, SOCKS, TOKEN_REFUSED, tokenEndpoint } from '../helpers.ts';

describe('POST /cart/checkout: one cart, one payment', () => {
  it('charges once for three concurrent checkouts with new keys on two replicas; the others are 409 CART_CHECKOUT_PENDING', async () => {
    const { api, replica, user, payment, storedOrders, storedCart } = await cartReadyToCheckOut();
    const other = await httpClient(await replica());
    // Payment holds its answer until the two others are answered, however slowly they arrive: a
    // checkout that came after the payment would rightly find the cart empty instead.
    const release = payment.holdNextAnswer();
    let answered = 0;
    const responses = await Promise.all(
      [api, other, api].map(async (target) => {
        const response = await postCheckout(target, user, { key: randomUUID() });
        if (++answered === 2) release();
        return response;
      }),
    );

    const statuses = responses.map((response) => response.status).sort();
    expect(statuses).toEqual([201, 409, 409]);
    for (const refused of responses.filter((response) => response.status === 409)) {
      expect(refused.body).toMatchObject({ statusCode: 409, code: 'CART_CHECKOUT_PENDING', error: 'Conflict' });
      expect(refused.headers['retry-after']).toBe('1');
    }
    expect(payment.charges).toHaveLength(1);
    expect(await storedOrders(user)).toMatchObject([{ status: 'paid', amount: READY_TOTAL }]);
    expect(await storedCart(user)).toEqual([]);
  });

  it('after payment, another key finds nothing to pay (409 CART_EMPTY) and new content checks out as before', async () => {
    const { app, api, user, payment } = await cartReadyToCheckOut();
    expect((await postCheckout(api, user)).status).toBe(201);

    const again = await postCheckout(api, user);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('CART_EMPTY');

    await fillCart(app, user, [{ productId: SOCKS.id, quantity: 1 }]);
    const next = await postCheckout(api, user);
    expect(next.status).toBe(201);
    expect(next.body).toMatchObject({ status: 'paid', amount: SOCKS.price });
    expect(payment.charges.map((charge) => charge.amount)).toEqual([READY_TOTAL, SOCKS.price]);
  });

  it('keeps the same-key semantics: a retry with the key replays, a decline does not block the next try', async () => {
    const { api, user, payment } = await cartReadyToCheckOut();
    const declined = await postCheckout(api, user, { card: card({ number: DECLINED_CARD }) });
    expect(declined.status).toBe(402);
    const key = randomUUID();
    const paid = await postCheckout(api, user, { key });
    expect(paid.status).toBe(201);
    const replay = await postCheckout(api, user, { key });
    expect(replay.status).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(payment.charges.filter((charge) => charge.status === 'succeeded')).toHaveLength(1);
  });

  it('settles a checkout left unfinished before payment charged it: voided, abandoned, and the cart checked out anew', async () => {
    const { api, user, payment, storedOrders } = await cartReadyToCheckOut();
    const firstKey = randomUUID();
    payment.state.override = {
      statusCode: 503,
      body: { statusCode: 503, code: 'SERVICE_UNAVAILABLE', error: 'Service Unavailable', message: 'down' },
    };
    expect((await postCheckout(api, user, { key: firstKey })).status).toBe(503);
    payment.state.override = undefined;
    expect(await storedOrders(user)).toMatchObject([{ status: 'pending' }]);

    // The client gives up on that key and starts over with a new one.
    const second = await postCheckout(api, user, { key: randomUUID() });

    expect(second.status).toBe(201);
    expect(second.body).toMatchObject({ status: 'paid', amount: READY_TOTAL });
    expect(payment.voids).toHaveLength(1);
    expect(payment.charges).toHaveLength(1);
    expect(await storedOrders(user)).toMatchObject([
      { status: 'failed', failure_code: 'abandoned', charge_id: null },
      { status: 'paid', amount: READY_TOTAL },
    ]);
    // The abandoned key answers what became of it, and never charges.
    const late = await postCheckout(api, user, { key: firstKey });
    expect(late.status).toBe(409);
    expect(late.body).toEqual({
      statusCode: 409,
      code: 'CART_CHECKOUT_ABANDONED',
      error: 'Conflict',
      message: 'This checkout was abandoned before it was paid: nothing was charged',
    });
    expect(payment.charges).toHaveLength(1);
  });

  it('settles only the shopper’s own unfinished checkout: another shopper’s pending one is neither voided nor in the way', async () => {
    const { api, app, user, payment, storedOrders, signIn } = await cartReadyToCheckOut();
    payment.state.override = {
      statusCode: 503,
      body: { statusCode: 503, code: 'SERVICE_UNAVAILABLE', error: 'Service Unavailable', message: 'down' },
    };
    expect((await postCheckout(api, user)).status).toBe(503);
    payment.state.override = undefined;
    const other = await signIn();
    await fillCart(app, other, [{ productId: SOCKS.id, quantity: 1 }]);

    const theirs = await postCheckout(api, other);

    expect(theirs.status).toBe(201);
    expect(theirs.body).toMatchObject({ status: 'paid', amount: SOCKS.price });
    // Nothing was asked of payment about the first shopper's checkout, which waits for their retry.
    expect(payment.voids).toHaveLength(0);
    expect(await storedOrders(user)).toMatchObject([{ status: 'pending', charge_id: null }]);
  });

  it('settles a checkout whose charge was made but whose answer was lost as paid, and charges nothing more', async () => {
    const { api, user, payment, storedOrders, storedCart } = await cartReadyToCheckOut(SHORT_PAYMENT_DEADLINE);
    const release = payment.holdNextAnswer();
    expect((await postCheckout(api, user)).status).toBe(503);
    // The slow answer finishes at payment before the next attempt asks.
    release();

    const second = await postCheckout(api, user, { key: randomUUID() });

    expect(second.status).toBe(409);
    expect(second.body.code).toBe('CART_EMPTY');
    expect(payment.charges).toHaveLength(1);
    expect(await storedOrders(user)).toMatchObject([{ status: 'paid', amount: READY_TOTAL, charge_id: payment.charges[0]!.id }]);
    expect(await storedCart(user)).toEqual([]);
  });

  it.each([
    // Payment's view: that charge request is still running (its transaction not committed).
    { why: 'payment is still working on the unfinished one', status: 409, code: 'PAYMENT_IDEMPOTENCY_IN_PROGRESS' },
    // Its key holds something else at payment (a refund by a shopper who is also an operator):
    // it can be neither charged nor voided now, and the new key is not the one reused.
    { why: 'payment holds the unfinished one’s key for something else', status: 422, code: 'PAYMENT_IDEMPOTENCY_KEY_REUSED' },
  ])('answers 409 CART_CHECKOUT_PENDING while $why, leaving it pending and free to retry', async ({ status, code }) => {
    const { api, user, payment, storedOrders } = await cartReadyToCheckOut();
    const firstKey = randomUUID();
    payment.state.override = {
      statusCode: 503,
      body: { statusCode: 503, code: 'SERVICE_UNAVAILABLE', error: 'Service Unavailable', message: 'down' },
    };
    expect((await postCheckout(api, user, { key: firstKey })).status).toBe(503);
    payment.state.override = undefined;
    payment.state.voidOverride = { statusCode: status, body: { statusCode: status, code, error: 'Conflict', message: 'no' } };

    const second = await postCheckout(api, user, { key: randomUUID() });

    expect(second.status).toBe(409);
    expect(second.body.code).toBe('CART_CHECKOUT_PENDING');
    expect(await storedOrders(user)).toMatchObject([{ status: 'pending' }]);
    expect(payment.charges).toHaveLength(0);
    // The refused checkout let go of the unfinished one: a retry of its own key resumes it at once.
    const retry = await postCheckout(api, user, { key: firstKey });
    expect(retry.status).toBe(201);
    expect(payment.charges).toHaveLength(1);
    expect(await storedOrders(user)).toMatchObject([{ status: 'paid', amount: READY_TOTAL }]);
  });

  it('settles a retried checkout whose charge attempt was voided meanwhile as abandoned', async () => {
    const { api, user, payment, storedOrders } = await cartReadyToCheckOut();
    const key = randomUUID();
    payment.state.override = {
      statusCode: 503,
      body: { statusCode: 503, code: 'SERVICE_UNAVAILABLE', error: 'Service Unavailable', message: 'down' },
    };
    expect((await postCheckout(api, user, { key })).status).toBe(503);
    payment.state.override = undefined;
    // Payment voided that attempt (another checkout of the cart asked, then lost its own answer).
    await fetch(`${payment.url}/payment/charges/void`, { method: 'POST', headers: { 'idempotency-key': paymentIdempotencyKey(key) } });

    const retry = await postCheckout(api, user, { key });

    expect(retry.status).toBe(409);
    expect(retry.body.code).toBe('CART_CHECKOUT_ABANDONED');
    expect(await storedOrders(user)).toMatchObject([{ status: 'failed', failure_code: 'abandoned' }]);
    expect(payment.charges).toHaveLength(0);
  });

  it('answers 401 when payment refuses, as run out, the token settling an unfinished checkout: that one stays pending, and the next try settles it', async () => {
    const { api, user, payment, storedOrders } = await cartReadyToCheckOut({ TOKEN_URL: await tokenEndpoint(0) });
    payment.state.override = {
      statusCode: 503,
      body: { statusCode: 503, code: 'SERVICE_UNAVAILABLE', error: 'Service Unavailable', message: 'down' },
    };
    expect((await postCheckout(api, user)).status).toBe(503);
    payment.state.override = undefined;
    // The shopper's token (and the payment token had for it) ran out before the void reached payment.
    payment.state.voidOverride = TOKEN_REFUSED;

    const refused = await postCheckout(api, user);

    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ statusCode: 401, code: 'AUTH_INVALID_TOKEN' });
    expect(refused.headers['www-authenticate']).toContain('error="invalid_token"');
    expect(await storedOrders(user)).toMatchObject([{ status: 'pending', attempts: 2 }]);
    // Signed in again: the unfinished checkout is voided at once (its lease was let go), the cart paid once.
    payment.state.voidOverride = undefined;
    const paid = await postCheckout(api, user);
    expect(paid.status).toBe(201);
    expect(payment.charges).toHaveLength(1);
    expect(await storedOrders(user)).toMatchObject([{ status: 'failed', failure_code: 'abandoned' }, { status: 'paid' }]);
  });

  it('answers 503 when the token endpoint refuses cart itself (a wrong client secret), charging nothing', async () => {
    const { api, user, payment, logs } = await cartReadyToCheckOut({ CLIENT_SECRET: 'a-wrong-client-secret-of-at-least-32-chars' });
    const response = await postCheckout(api, user);
    expect(response.status).toBe(503);
    expect(payment.requests).toHaveLength(0);
    expect(logs.lines()).toContainEqual(expect.objectContaining({ level: 50, msg: 'the token endpoint refused cart', status: 401 }));
  });

  it('answers 503 and charges nothing when no payment token can be had (user service down), recording no order', async () => {
    const { api, user, payment, storedOrders } = await cartReadyToCheckOut({ TOKEN_URL: 'http://127.0.0.1:9/user/oauth/token' });
    const response = await postCheckout(api, user);
    expect(response.status).toBe(503);
    expect(response.body.code).toBe('CART_PAYMENT_UNAVAILABLE');
    expect(payment.requests).toHaveLength(0);
    expect(await storedOrders(user)).toEqual([]);
  });

  it("writes each log field with one type in all checkout's lines, as a log store maps a field once", async () => {
    const paid = await cartReadyToCheckOut();
    expect((await postCheckout(paid.api, paid.user)).status).toBe(201);
    const tokenDown = await cartReadyToCheckOut({ TOKEN_URL: 'http://127.0.0.1:9/user/oauth/token' });
    expect((await postCheckout(tokenDown.api, tokenDown.user)).status).toBe(503);
    const refused = await cartReadyToCheckOut({ CLIENT_SECRET: 'a-wrong-client-secret-of-at-least-32-chars' });
    expect((await postCheckout(refused.api, refused.user)).status).toBe(503);
    const lines = [paid, tokenDown, refused].flatMap(({ logs }) => logs.lines());
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'order settled', orderStatus: 'paid' }));
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'no payment token for checkout', reason: expect.any(String) }));
    const typesOf = new Map<string, Set<string>>();
    for (const line of lines)
      for (const [field, value] of Object.entries(line)) {
        if (value === null || value === undefined) continue;
        typesOf.set(field, (typesOf.get(field) ?? new Set()).add(typeof value));
      }
    const mixed = [...typesOf].filter(([, types]) => types.size > 1).map(([field, types]) => `${field}: ${[...types].join(' and ')}`);
    expect(mixed).toEqual([]);
  });
});
