import { randomUUID } from 'node:crypto';
import { httpClient } from '@myshop/testing';
import { describe, expect, it } from 'vitest';
import { buildCart, cartHolding, fillCart, SOCKS, TSHIRT } from '../helpers.ts';

describe('DELETE /cart/items/:productId', () => {
  it('takes the line out and answers 200 with the cart', async () => {
    const { api, user, storedCart } = await cartHolding([
      { productId: SOCKS.id, quantity: 5 },
      { productId: TSHIRT.id, quantity: 1 },
    ]);
    const response = await api.delete(`/cart/items/${SOCKS.id}`).set(user.headers);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      items: [{ productId: TSHIRT.id, name: TSHIRT.name, quantity: 1, unitPrice: TSHIRT.price, lineTotal: TSHIRT.price }],
      subtotal: TSHIRT.price,
      currency: 'USD',
    });
    expect(await storedCart(user)).toEqual([{ product_id: TSHIRT.id, quantity: 1 }]);
  });

  it.each([
    ['a product no longer in the cart', SOCKS.id],
    ['an unknown product', randomUUID()],
    ['an id that cannot exist', '..%2F..%2Fetc'],
  ])('answers 404 CART_ITEM_NOT_FOUND for %s', async (_case, productId) => {
    const { app, api, user, storedCart } = await cartHolding([{ productId: SOCKS.id, quantity: 5 }]);
    await api.delete(`/cart/items/${SOCKS.id}`).set(user.headers);
    await fillCart(app, user, [{ productId: TSHIRT.id, quantity: 1 }]);
    const response = await api.delete(`/cart/items/${productId}`).set(user.headers);
    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ code: 'CART_ITEM_NOT_FOUND' });
    expect(await storedCart(user)).toEqual([{ product_id: TSHIRT.id, quantity: 1 }]);
  });

  it("cannot take a line out of another user's cart", async () => {
    const { api, user: alice, signIn, storedCart } = await cartHolding([{ productId: SOCKS.id, quantity: 5 }]);
    const bob = await signIn();
    const response = await api.delete(`/cart/items/${SOCKS.id}`).set(bob.headers);
    expect(response.status).toBe(404);
    expect(await storedCart(alice)).toEqual([{ product_id: SOCKS.id, quantity: 5 }]);
  });

  it('answers 401 without a token', async () => {
    const { app } = await buildCart();
    const api = await httpClient(app);
    expect((await api.delete(`/cart/items/${SOCKS.id}`)).status).toBe(401);
  });
});
