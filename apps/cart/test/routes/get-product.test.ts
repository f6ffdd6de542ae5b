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

  it('gives a product a strong ETag, the same on every replica, its own; 304 when If-None-Match names it, 412 when If-Match names another', async () => {
    const { app } = await buildCart();
    const { app: otherReplica } = await buildCart();
    const first = await app.inject({ url: `/cart/products/${SOCKS.id}` });
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^"[\w-]{27}"$/);
    expect((await app.inject({ url: `/cart/products/${SOCKS.id.toUpperCase()}` })).headers.etag).toBe(etag);
    expect((await otherReplica.inject({ url: `/cart/products/${SOCKS.id}` })).headers.etag).toBe(etag);
    const anotherProduct = await someOtherProductId(app);
    expect((await app.inject({ url: `/cart/products/${anotherProduct}` })).headers.etag).not.toBe(etag);

    for (const ifNoneMatch of [etag, `W/${etag}`, `"elsewhere", ${etag}`, '*']) {
      const response = await app.inject({ url: `/cart/products/${SOCKS.id}`, headers: { 'if-none-match': ifNoneMatch } });
      expect(response.statusCode, ifNoneMatch).toBe(304);
      expect(response.body, ifNoneMatch).toBe('');
      expect(response.headers.etag, ifNoneMatch).toBe(etag);
      expect(response.headers['cache-control'], ifNoneMatch).toBe('public, max-age=60, stale-while-revalidate=60');
    }
    const changed = await app.inject({ url: `/cart/products/${SOCKS.id}`, headers: { 'if-none-match': '"elsewhere"' } });
    expect(changed.statusCode).toBe(200);
    expect(changed.body).toBe(first.body);

    const precondition = await app.inject({ url: `/cart/products/${SOCKS.id}`, headers: { 'if-match': '"elsewhere"' } });
    expect(precondition.statusCode).toBe(412);
    expect(precondition.json()).toMatchObject({ statusCode: 412, code: 'CART_PRECONDITION_FAILED' });
    expect(precondition.headers.etag).toBeUndefined();
    expect((await app.inject({ url: `/cart/products/${SOCKS.id}`, headers: { 'if-match': etag } })).statusCode).toBe(200);
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

/** A product of the catalogue other than the socks. */
async function someOtherProductId(app: Awaited<ReturnType<typeof buildCart>>['app']): Promise<string> {
  const { items } = (await app.inject({ url: '/cart/products?limit=2' })).json() as { items: Array<{ id: string }> };
  return items.find((item) => item.id !== SOCKS.id)!.id;
}
