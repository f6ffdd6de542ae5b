import { createTestIssuer } from '@myshop/auth/testing';
import { httpClient } from '@myshop/testing';
import { describe, expect, it } from 'vitest';
import { buildCart, fillCart, SOCKS, TSHIRT } from '../helpers.ts';

describe('GET /cart', () => {
  it('answers 401 without a token', async () => {
    const { app } = await buildCart();
    const api = await httpClient(app);
    const response = await api.get('/cart');
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ statusCode: 401, code: 'AUTH_MISSING_TOKEN' });
  });

  it('answers 401 for a token of another issuer', async () => {
    const { app } = await buildCart();
    const api = await httpClient(app);
    const stranger = await createTestIssuer();
    const response = await api.get('/cart').set({ authorization: `Bearer ${await stranger.sign('someone')}` });
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ code: 'AUTH_INVALID_TOKEN' });
  });

  it('returns an empty cart for a new user, and stores nothing for asking', async () => {
    const { app, database, signIn } = await buildCart();
    const api = await httpClient(app);
    const user = await signIn();
    const response = await api.get('/cart').set(user.headers);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ items: [], subtotal: 0, currency: 'USD' });
    expect(await database.query('SELECT * FROM carts')).toEqual([]);
  });

  it('lists the lines in the order they were added, with line totals and the subtotal', async () => {
    const { app, signIn } = await buildCart();
    const api = await httpClient(app);
    const user = await signIn();
    await fillCart(app, user, [
      { productId: TSHIRT.id, quantity: 2 },
      { productId: SOCKS.id, quantity: 3 },
    ]);
    const response = await api.get('/cart').set(user.headers);
    expect(response.body).toEqual({
      items: [
        { productId: TSHIRT.id, name: TSHIRT.name, quantity: 2, unitPrice: TSHIRT.price, lineTotal: 2 * TSHIRT.price },
        { productId: SOCKS.id, name: SOCKS.name, quantity: 3, unitPrice: SOCKS.price, lineTotal: 3 * SOCKS.price },
      ],
      subtotal: 2 * TSHIRT.price + 3 * SOCKS.price,
      currency: 'USD',
    });
  });

  it('prices every line from the catalogue as it is now', async () => {
    const { app, database, signIn } = await buildCart();
    const api = await httpClient(app);
    const user = await signIn();
    await fillCart(app, user, [{ productId: SOCKS.id, quantity: 2 }]);
    await database.query('UPDATE products SET price = 2000 WHERE id = $1', [SOCKS.id]);
    const response = await api.get('/cart').set(user.headers);
    expect(response.body).toMatchObject({ items: [{ unitPrice: 2000, lineTotal: 4000 }], subtotal: 4000 });
  });

  it('shows each user only their own cart', async () => {
    const { app, signIn } = await buildCart();
    const api = await httpClient(app);
    const alice = await signIn();
    const bob = await signIn();
    await fillCart(app, alice, [{ productId: SOCKS.id, quantity: 1 }]);
    const response = await api.get('/cart').set(bob.headers);
    expect(response.body).toEqual({ items: [], subtotal: 0, currency: 'USD' });
  });
});
