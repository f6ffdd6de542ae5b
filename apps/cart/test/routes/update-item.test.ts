import { randomUUID } from 'node:crypto';
import { httpClient, type HttpClient } from '@myshop/testing';
import { describe, expect, it } from 'vitest';
import { buildCart, cartHolding, SOCKS, TSHIRT, type SignedInUser } from '../helpers.ts';

function setQuantity(api: HttpClient, user: SignedInUser, productId: string, payload: object) {
  return api.put(`/cart/items/${productId}`).set(user.headers).send(payload);
}

describe('PUT /cart/items/:productId', () => {
  it('sets the quantity of a line and answers 200 with the cart', async () => {
    const { api, user, storedCart } = await cartHolding([
      { productId: SOCKS.id, quantity: 5 },
      { productId: TSHIRT.id, quantity: 1 },
    ]);
    const response = await setQuantity(api, user, SOCKS.id, { quantity: 2 });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      items: [
        { productId: SOCKS.id, name: SOCKS.name, quantity: 2, unitPrice: SOCKS.price, lineTotal: 2 * SOCKS.price },
        { productId: TSHIRT.id, name: TSHIRT.name, quantity: 1, unitPrice: TSHIRT.price, lineTotal: TSHIRT.price },
      ],
      subtotal: 2 * SOCKS.price + TSHIRT.price,
      currency: 'USD',
    });
    expect(await storedCart(user)).toEqual([
      { product_id: SOCKS.id, quantity: 2 },
      { product_id: TSHIRT.id, quantity: 1 },
    ]);
  });

  it('accepts 99 and refuses 100 with 422 CART_QUANTITY_LIMIT, keeping the line', async () => {
    const { api, user, storedCart } = await cartHolding([{ productId: SOCKS.id, quantity: 5 }]);
    expect((await setQuantity(api, user, SOCKS.id, { quantity: 99 })).status).toBe(200);
    const response = await setQuantity(api, user, SOCKS.id, { quantity: 100 });
    expect(response.status).toBe(422);
    expect(response.body).toMatchObject({ code: 'CART_QUANTITY_LIMIT' });
    expect(await storedCart(user)).toEqual([{ product_id: SOCKS.id, quantity: 99 }]);
  });

  it.each([
    [{ quantity: 0 }, 'body/quantity must be >= 1'],
    [{ quantity: 2.5 }, 'body/quantity must be integer'],
    [{}, 'body/quantity is required'],
    [{ quantity: 2, unitPrice: 1 }, 'body/unitPrice is not allowed'],
  ])('refuses %j with 400, keeping the line', async (payload, message) => {
    const { api, user, storedCart } = await cartHolding([{ productId: SOCKS.id, quantity: 5 }]);
    const response = await setQuantity(api, user, SOCKS.id, payload);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: 'FST_ERR_VALIDATION', message });
    expect(await storedCart(user)).toEqual([{ product_id: SOCKS.id, quantity: 5 }]);
  });

  it.each([
    ['a catalogue product not in the cart', TSHIRT.id],
    ['an unknown product', randomUUID()],
    ['an id that cannot exist', 'socks'],
  ])('answers 404 CART_ITEM_NOT_FOUND for %s, adding nothing', async (_case, productId) => {
    const { api, user, storedCart } = await cartHolding([{ productId: SOCKS.id, quantity: 5 }]);
    const response = await setQuantity(api, user, productId, { quantity: 2 });
    expect(response.status).toBe(404);
    expect(response.body).toEqual({
      statusCode: 404,
      code: 'CART_ITEM_NOT_FOUND',
      error: 'Not Found',
      message: 'This product is not in the cart',
    });
    expect(await storedCart(user)).toEqual([{ product_id: SOCKS.id, quantity: 5 }]);
  });

  it("cannot touch another user's cart", async () => {
    const { api, user: alice, signIn, storedCart } = await cartHolding([{ productId: SOCKS.id, quantity: 5 }]);
    const bob = await signIn();
    expect((await setQuantity(api, bob, SOCKS.id, { quantity: 1 })).status).toBe(404);
    expect(await storedCart(alice)).toEqual([{ product_id: SOCKS.id, quantity: 5 }]);
  });

  it('answers 401 without a token', async () => {
    const { app } = await buildCart();
    const api = await httpClient(app);
    const response = await api.put(`/cart/items/${SOCKS.id}`).send({ quantity: 1 });
    expect(response.status).toBe(401);
  });
});
