import { forgedTokens } from '@myshop/auth/testing';
import { jwtMatrix, tableState, type RouteCall } from '@myshop/testing';
import { describe, expect, it } from 'vitest';
import { buildCart, card, fillCart, SOCKS } from '../helpers.ts';

describe('forged access tokens, on every authenticated cart route', () => {
  it('are all refused with 401 and change nothing, while the genuine token works', async () => {
    const { app, issuer, signIn, database } = await buildCart();
    const user = await signIn();
    await fillCart(app, user, [{ productId: SOCKS.id, quantity: 2 }]);
    const routes: RouteCall[] = [
      { method: 'GET', url: '/cart' },
      { method: 'POST', url: '/cart/items', payload: { productId: SOCKS.id, quantity: 1 } },
      { method: 'PUT', url: `/cart/items/${SOCKS.id}`, payload: { quantity: 5 } },
      { method: 'DELETE', url: `/cart/items/${SOCKS.id}` },
      { method: 'DELETE', url: '/cart' },
      { method: 'POST', url: '/cart/checkout', headers: { 'idempotency-key': 'forged-checkout' }, payload: { card: card() } },
      { method: 'GET', url: '/cart/orders' },
      { method: 'GET', url: '/cart/orders/6f1c1f04-4a57-4a39-9a9e-2b1f0e3b7a11' },
    ];
    const forgeries = await forgedTokens(issuer.signer, user.id);
    const result = await jwtMatrix({
      service: 'cart',
      app,
      routes,
      forgeries,
      state: tableState(database, ['carts', 'cart_items', 'orders', 'order_items']),
    });
    expect(result.problems).toEqual([]);
    expect(result.refused).toBe(forgeries.length * routes.length);
    expect(forgeries.map((forgery) => forgery.name)).toEqual(
      expect.arrayContaining([
        'alg none',
        'HS256 keyed with the public key (PEM)',
        'wrong iss',
        'wrong aud',
        'expired',
        'missing exp',
        'future nbf',
        'tampered payload',
        'unknown kid',
      ]),
    );

    // The same requests with the genuine token get through: the refusals are the tokens' doing.
    const genuine = await app.inject({ method: 'GET', url: '/cart', headers: user.headers });
    expect(genuine.statusCode).toBe(200);
    expect(genuine.json().items).toHaveLength(1);
  });
});
