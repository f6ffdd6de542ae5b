import { crossUserAccess, tableState } from '@myshop/testing';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { startFakePayment } from '../fake-payment.ts';
import { buildCart, card, checkout, fillCart, SOCKS, TSHIRT } from '../helpers.ts';

const TABLES = ['carts', 'cart_items', 'orders', 'order_items'];

describe("another user's cart and orders", () => {
  it('are 404 to a second user, for reads and writes, exactly like unknown ids, and nothing changes', async () => {
    const payment = await startFakePayment();
    const { app, signIn, database, storedCart, storedOrders } = await buildCart({ env: { PAYMENT_URL: payment.url } });
    const ada = await signIn();
    const eve = await signIn();
    await fillCart(app, ada, [{ productId: SOCKS.id, quantity: 1 }]);
    const key = `ada-${randomUUID()}`;
    const paid = await checkout(app, ada, { key });
    expect(paid.statusCode).toBe(201);
    const orderId = paid.json().orderId as string;
    await fillCart(app, ada, [{ productId: TSHIRT.id, quantity: 2 }]);

    const result = await crossUserAccess({
      service: 'cart',
      app,
      state: tableState(database, TABLES),
      calls: [
        { method: 'GET', url: `/cart/orders/${orderId}`, headers: eve.headers, code: 'CART_ORDER_NOT_FOUND' },
        { method: 'GET', url: `/cart/orders/${orderId.toUpperCase()}`, headers: eve.headers, code: 'CART_ORDER_NOT_FOUND' },
        { method: 'PUT', url: `/cart/items/${TSHIRT.id}`, headers: eve.headers, payload: { quantity: 9 }, code: 'CART_ITEM_NOT_FOUND' },
        { method: 'DELETE', url: `/cart/items/${TSHIRT.id}`, headers: eve.headers, code: 'CART_ITEM_NOT_FOUND' },
      ],
    });
    expect(result.problems).toEqual([]);

    // The 404 for Ada's order is the one an unknown id gets: nothing tells Eve the order exists.
    const ofAda = await app.inject({ url: `/cart/orders/${orderId}`, headers: eve.headers });
    const unknown = await app.inject({ url: `/cart/orders/${randomUUID()}`, headers: eve.headers });
    expect(ofAda.json()).toEqual(unknown.json());

    // Lists and the cart are the caller's own.
    expect((await app.inject({ url: '/cart/orders', headers: eve.headers })).json()).toEqual({ items: [], nextCursor: null });
    expect((await app.inject({ url: '/cart', headers: eve.headers })).json()).toMatchObject({ items: [], subtotal: 0 });
    // Eve emptying her cart leaves Ada's alone.
    expect((await app.inject({ method: 'DELETE', url: '/cart', headers: eve.headers })).statusCode).toBe(204);
    // Ada's Idempotency-Key is hers: Eve reusing it gets no replay of Ada's order.
    const replayForEve = await checkout(app, eve, { key });
    expect(replayForEve.statusCode).toBe(409);
    expect(replayForEve.json().code).toBe('CART_EMPTY');
    expect(replayForEve.headers['idempotent-replayed']).toBeUndefined();

    expect(await storedCart(ada)).toEqual([{ product_id: TSHIRT.id, quantity: 2 }]);
    expect(await storedOrders(ada)).toEqual([expect.objectContaining({ id: orderId, status: 'paid' })]);
    expect(await storedOrders(eve)).toEqual([]);
  });
});

describe('mass assignment', () => {
  const cases: Array<[string, 'POST' | 'PUT', string, Record<string, unknown>, string]> = [
    ['userId', 'POST', '/cart/items', { productId: SOCKS.id, quantity: 1, userId: 'someone-else' }, 'body/userId is not allowed'],
    ['price', 'POST', '/cart/items', { productId: SOCKS.id, quantity: 1, price: 1 }, 'body/price is not allowed'],
    ['unitPrice', 'POST', '/cart/items', { productId: SOCKS.id, quantity: 1, unitPrice: 1 }, 'body/unitPrice is not allowed'],
    ['amount', 'POST', '/cart/items', { productId: SOCKS.id, quantity: 1, amount: 1 }, 'body/amount is not allowed'],
    ['id', 'POST', '/cart/items', { productId: SOCKS.id, quantity: 1, id: randomUUID() }, 'body/id is not allowed'],
    ['price on a change', 'PUT', `/cart/items/${SOCKS.id}`, { quantity: 1, price: 1 }, 'body/price is not allowed'],
    ['userId on a change', 'PUT', `/cart/items/${SOCKS.id}`, { quantity: 1, userId: 'someone-else' }, 'body/userId is not allowed'],
    ['amount at checkout', 'POST', '/cart/checkout', { card: card(), amount: 1 }, 'body/amount is not allowed'],
    ['status at checkout', 'POST', '/cart/checkout', { card: card(), status: 'paid' }, 'body/status is not allowed'],
    ['userId at checkout', 'POST', '/cart/checkout', { card: card(), userId: 'someone-else' }, 'body/userId is not allowed'],
    ['orderId at checkout', 'POST', '/cart/checkout', { card: card(), orderId: randomUUID() }, 'body/orderId is not allowed'],
    ['amount inside the card', 'POST', '/cart/checkout', { card: card({ amount: 1 }) }, 'body/card/amount is not allowed'],
  ];

  it.each(cases)('refuses %s with 400 naming the field, and stores nothing', async (_name, method, url, payload, message) => {
    const payment = await startFakePayment();
    const { app, signIn, database } = await buildCart({ env: { PAYMENT_URL: payment.url } });
    const user = await signIn();
    await fillCart(app, user, [{ productId: SOCKS.id, quantity: 2 }]);
    const state = tableState(database, TABLES);
    const before = await state();
    const response = await app.inject({ method, url, headers: { ...user.headers, 'idempotency-key': randomUUID() }, payload });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ statusCode: 400, code: 'FST_ERR_VALIDATION', error: 'Bad Request', message });
    expect(await state()).toBe(before);
    expect(payment.requests).toHaveLength(0);
  });
});
