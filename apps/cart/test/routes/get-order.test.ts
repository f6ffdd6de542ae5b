import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { startFakePayment } from '../fake-payment.ts';
import { buildCart, checkout, fillCart, SOCKS } from '../helpers.ts';

async function setUp() {
  const payment = await startFakePayment();
  const cart = await buildCart({ env: { PAYMENT_URL: payment.url } });
  const owner = await cart.signIn();
  await fillCart(cart.app, owner, [{ productId: SOCKS.id, quantity: 3 }]);
  const placed = (await checkout(cart.app, owner)).json();
  return { ...cart, owner, placed };
}

describe('GET /cart/orders/:id', () => {
  it("returns the caller's order", async () => {
    const { app, owner, placed } = await setUp();
    const response = await app.inject({ method: 'GET', url: `/cart/orders/${placed.orderId}`, headers: owner.headers });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      id: placed.orderId,
      status: 'paid',
      amount: 3 * SOCKS.price,
      amountRefunded: 0,
      currency: 'USD',
      chargeId: placed.chargeId,
      failureCode: null,
      items: [{ productId: SOCKS.id, name: SOCKS.name, quantity: 3, unitPrice: SOCKS.price, lineTotal: 3 * SOCKS.price }],
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
  });

  it("answers 404 for another user's order, exactly as for one that does not exist", async () => {
    const { app, signIn, placed } = await setUp();
    const stranger = await signIn();
    const theirs = await app.inject({ method: 'GET', url: `/cart/orders/${placed.orderId}`, headers: stranger.headers });
    const unknown = await app.inject({ method: 'GET', url: `/cart/orders/${randomUUID()}`, headers: stranger.headers });
    const malformed = await app.inject({ method: 'GET', url: '/cart/orders/1%20OR%201=1', headers: stranger.headers });
    for (const response of [theirs, unknown, malformed]) {
      expect(response.statusCode).toBe(404);
      expect(response.json()).toEqual({ statusCode: 404, code: 'CART_ORDER_NOT_FOUND', error: 'Not Found', message: 'Order not found' });
    }
  });

  it('answers 401 without a token', async () => {
    const { app, placed } = await setUp();
    expect((await app.inject({ method: 'GET', url: `/cart/orders/${placed.orderId}` })).statusCode).toBe(401);
  });
});
