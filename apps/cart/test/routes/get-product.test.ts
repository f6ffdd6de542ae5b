import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildCart, SOCKS } from '../helpers.ts';

describe('GET /cart/products/:id', () => {
  it('returns one product with its price in minor units of the shop currency, without a token', async () => {
    const { app } = await buildCart();
    const response = await app.inject({ method: 'GET', url: `/cart/products/${SOCKS.id}` });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ id: SOCKS.id, name: SOCKS.name, description: expect.stringContaining('merino'), price: SOCKS.price, currency: 'USD' });
  });

  it('answers in the configured currency', async () => {
    const { app } = await buildCart({ env: { CURRENCY: 'EUR' } });
    const response = await app.inject({ method: 'GET', url: `/cart/products/${SOCKS.id}` });
    expect(response.json()).toMatchObject({ currency: 'EUR' });
  });

  it.each([
    ['an unknown id', randomUUID()],
    ['an id that cannot exist', 'not-a-uuid'],
  ])('answers 404 CART_PRODUCT_NOT_FOUND for %s', async (_case, id) => {
    const { app } = await buildCart();
    const response = await app.inject({ method: 'GET', url: `/cart/products/${id}` });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ statusCode: 404, code: 'CART_PRODUCT_NOT_FOUND', error: 'Not Found', message: 'Product not found' });
  });
});
