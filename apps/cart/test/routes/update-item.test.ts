import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildCart, fillCart, SOCKS, TSHIRT, type SignedInUser } from '../helpers.ts';
import type { FastifyInstance } from 'fastify';

function setQuantity(app: FastifyInstance, user: SignedInUser, productId: string, payload: unknown) {
  return app.inject({ method: 'PUT', url: `/cart/items/${productId}`, headers: user.headers, payload: payload as Record<string, unknown> });
}

describe('PUT /cart/items/:productId', () => {
  it('sets the quantity of a line and answers 200 with the cart', async () => {
    const { app, signIn, storedCart } = await buildCart();
    const user = await signIn();
    await fillCart(app, user, [{ productId: SOCKS.id, quantity: 5 }, { productId: TSHIRT.id, quantity: 1 }]);
    const response = await setQuantity(app, user, SOCKS.id, { quantity: 2 });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      items: [
        { productId: SOCKS.id, name: SOCKS.name, quantity: 2, unitPrice: SOCKS.price, lineTotal: 2 * SOCKS.price },
        { productId: TSHIRT.id, name: TSHIRT.name, quantity: 1, unitPrice: TSHIRT.price, lineTotal: TSHIRT.price },
      ],
      subtotal: 2 * SOCKS.price + TSHIRT.price,
      currency: 'USD',
    });
    expect(await storedCart(user)).toEqual([{ product_id: SOCKS.id, quantity: 2 }, { product_id: TSHIRT.id, quantity: 1 }]);
  });

  it('accepts 99 and refuses 100 with 422 CART_QUANTITY_LIMIT, keeping the line', async () => {
    const { app, signIn, storedCart } = await buildCart();
    const user = await signIn();
    await fillCart(app, user, [{ productId: SOCKS.id, quantity: 5 }]);
    expect((await setQuantity(app, user, SOCKS.id, { quantity: 99 })).statusCode).toBe(200);
    const response = await setQuantity(app, user, SOCKS.id, { quantity: 100 });
    expect(response.statusCode).toBe(422);
    expect(response.json()).toMatchObject({ code: 'CART_QUANTITY_LIMIT' });
    expect(await storedCart(user)).toEqual([{ product_id: SOCKS.id, quantity: 99 }]);
  });

  it.each([
    [{ quantity: 0 }, 'body/quantity must be >= 1'],
    [{ quantity: 2.5 }, 'body/quantity must be integer'],
    [{}, 'body/quantity is required'],
    [{ quantity: 2, unitPrice: 1 }, 'body/unitPrice is not allowed'],
  ])('refuses %j with 400, keeping the line', async (payload, message) => {
    const { app, signIn, storedCart } = await buildCart();
    const user = await signIn();
    await fillCart(app, user, [{ productId: SOCKS.id, quantity: 5 }]);
    const response = await setQuantity(app, user, SOCKS.id, payload);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'FST_ERR_VALIDATION', message });
    expect(await storedCart(user)).toEqual([{ product_id: SOCKS.id, quantity: 5 }]);
  });

  it.each([
    ['a catalogue product not in the cart', TSHIRT.id],
    ['an unknown product', randomUUID()],
    ['an id that cannot exist', 'socks'],
  ])('answers 404 CART_ITEM_NOT_FOUND for %s, adding nothing', async (_case, productId) => {
    const { app, signIn, storedCart } = await buildCart();
    const user = await signIn();
    await fillCart(app, user, [{ productId: SOCKS.id, quantity: 5 }]);
    const response = await setQuantity(app, user, productId, { quantity: 2 });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ statusCode: 404, code: 'CART_ITEM_NOT_FOUND', error: 'Not Found', message: 'This product is not in the cart' });
    expect(await storedCart(user)).toEqual([{ product_id: SOCKS.id, quantity: 5 }]);
  });

  it("cannot touch another user's cart", async () => {
    const { app, signIn, storedCart } = await buildCart();
    const alice = await signIn();
    const bob = await signIn();
    await fillCart(app, alice, [{ productId: SOCKS.id, quantity: 5 }]);
    expect((await setQuantity(app, bob, SOCKS.id, { quantity: 1 })).statusCode).toBe(404);
    expect(await storedCart(alice)).toEqual([{ product_id: SOCKS.id, quantity: 5 }]);
  });

  it('answers 401 without a token', async () => {
    const { app } = await buildCart();
    const response = await app.inject({ method: 'PUT', url: `/cart/items/${SOCKS.id}`, payload: { quantity: 1 } });
    expect(response.statusCode).toBe(401);
  });
});
