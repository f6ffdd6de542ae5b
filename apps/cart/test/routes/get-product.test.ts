import { randomUUID } from 'node:crypto';
import { httpClient } from '@myshop/testing';
import { describe, expect, it } from 'vitest';
import { buildCart, SOCKS } from '../helpers.ts';

describe('GET /cart/products/:id', () => {
  it('returns one product with its price in minor units of the shop currency, without a token', async () => {
    const { app } = await buildCart();
    const api = await httpClient(app);
    const response = await api.get(`/cart/products/${SOCKS.id}`);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      id: SOCKS.id,
      name: SOCKS.name,
      description: expect.stringContaining('merino'),
      price: SOCKS.price,
      currency: 'USD',
    });
    // The same for everyone: the edge and browsers may keep it, as they keep the catalogue's pages.
    expect(response.headers['cache-control']).toBe('public, max-age=60, stale-while-revalidate=60');
  });

  it('answers in the configured currency', async () => {
    const { app } = await buildCart({ env: { CURRENCY: 'EUR' } });
    const api = await httpClient(app);
    const response = await api.get(`/cart/products/${SOCKS.id}`);
    expect(response.body).toMatchObject({ currency: 'EUR' });
  });

  it.each([
    ['an unknown id', randomUUID()],
    ['an id that cannot exist', 'not-a-uuid'],
  ])('answers 404 CART_PRODUCT_NOT_FOUND for %s', async (_case, id) => {
    const { app } = await buildCart();
    const api = await httpClient(app);
    const response = await api.get(`/cart/products/${id}`);
    expect(response.status).toBe(404);
    expect(response.body).toEqual({ statusCode: 404, code: 'CART_PRODUCT_NOT_FOUND', error: 'Not Found', message: 'Product not found' });
    expect(response.headers['cache-control']).toBe('no-store');
  });
});
