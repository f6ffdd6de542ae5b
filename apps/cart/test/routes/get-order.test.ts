import { randomUUID } from 'node:crypto';
import { httpClient } from '@myshop/testing';
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
    const api = await httpClient(app);
    const response = await api.get(`/cart/orders/${placed.orderId}`).set(owner.headers);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
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
    const api = await httpClient(app);
    const stranger = await signIn();
    const theirs = await api.get(`/cart/orders/${placed.orderId}`).set(stranger.headers);
    const unknown = await api.get(`/cart/orders/${randomUUID()}`).set(stranger.headers);
    const malformed = await api.get('/cart/orders/1%20OR%201=1').set(stranger.headers);
    for (const response of [theirs, unknown, malformed]) {
      expect(response.status).toBe(404);
      expect(response.body).toEqual({ statusCode: 404, code: 'CART_ORDER_NOT_FOUND', error: 'Not Found', message: 'Order not found' });
    }
  });

  it('answers 401 without a token', async () => {
    const { app, placed } = await setUp();
    const api = await httpClient(app);
    expect((await api.get(`/cart/orders/${placed.orderId}`)).status).toBe(401);
  });
});
