import { readFileSync } from 'node:fs';
import { httpClient } from '@myshop/testing';
import { describe, expect, it } from 'vitest';
import { buildCart } from '../helpers.ts';

const seed = JSON.parse(readFileSync(new URL('../../data/products.json', import.meta.url), 'utf8')) as Array<{ id: string; name: string; price: number }>;
/** Byte order, as the name column's "C" collation sorts. */
const byName = [...seed].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : 1));

describe('GET /cart/products', () => {
  it('returns the first 20 products by name with a cursor to the next page, without a token', async () => {
    const { app } = await buildCart();
    const api = await httpClient(app);
    const response = await api.get('/cart/products');
    expect(response.status).toBe(200);
    const body = response.body;
    expect(body.items).toHaveLength(20);
    expect(body.items.map((product: { id: string }) => product.id)).toEqual(byName.slice(0, 20).map((product) => product.id));
    expect(body.items[0]).toEqual({ id: byName[0]!.id, name: byName[0]!.name, description: expect.any(String), price: byName[0]!.price, currency: 'USD' });
    expect(body.nextCursor).toEqual(expect.any(String));
  });

  it('walks the whole catalogue page by page, each product exactly once', async () => {
    const { app } = await buildCart();
    const api = await httpClient(app);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor ? `limit=7&cursor=${cursor}` : 'limit=7';
      const response = await api.get(`/cart/products?${query}`);
      expect(response.status).toBe(200);
      const body = response.body as { items: Array<{ id: string }>; nextCursor: string | null };
      seen.push(...body.items.map((product) => product.id));
      cursor = body.nextCursor;
      pages += 1;
    } while (cursor);
    expect(seen).toEqual(byName.map((product) => product.id));
    expect(pages).toBe(Math.ceil(seed.length / 7));
  });

  it('keeps its cursors short whatever the product names', async () => {
    const { database, replica } = await buildCart();
    await database.query(`UPDATE products SET name = repeat('Ü', 200 - length(name)) || name`);
    // The catalogue is read when the app starts: one started after the change serves the long names.
    const app = await replica();
    const api = await httpClient(app);
    expect((await api.get('/cart/products?limit=1')).body.items[0].name).toHaveLength(200);
    const first = (await api.get('/cart/products?limit=3')).body;
    expect(first.nextCursor.length).toBeLessThanOrEqual(200);
    const second = await api.get(`/cart/products?limit=3&cursor=${first.nextCursor}`);
    expect(second.status).toBe(200);
    expect(second.body.items).toHaveLength(3);
  });

  it('returns everything with no next page when the limit covers it', async () => {
    const { app } = await buildCart();
    const api = await httpClient(app);
    const response = await api.get('/cart/products?limit=100');
    expect(response.body).toEqual({ items: expect.any(Array), nextCursor: null });
    expect(response.body.items).toHaveLength(seed.length);
  });

  it.each(['limit=0', 'limit=101', 'limit=abc', 'limit=2.5', 'page=2'])('rejects ?%s with 400', async (query) => {
    const { app } = await buildCart();
    const api = await httpClient(app);
    const response = await api.get(`/cart/products?${query}`);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ statusCode: 400, code: 'FST_ERR_VALIDATION' });
  });

  it.each([
    ['not base64 JSON', 'definitely-not-a-cursor'],
    ['the wrong shape', Buffer.from(JSON.stringify({ name: 'a' })).toString('base64url')],
    ['an id that is not a uuid', Buffer.from(JSON.stringify(["1' OR '1'='1"])).toString('base64url')],
    ['two positions', Buffer.from(JSON.stringify(['Socks', 'ac68e6de-6eb2-4e5c-8da5-7ef71c9c469e'])).toString('base64url')],
    ['a cursor of the orders list', Buffer.from(JSON.stringify([42])).toString('base64url')],
  ])('rejects a cursor that is %s with 400 CART_INVALID_CURSOR', async (_case, cursor) => {
    const { app } = await buildCart();
    const api = await httpClient(app);
    const response = await api.get(`/cart/products?cursor=${encodeURIComponent(cursor)}`);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: 'CART_INVALID_CURSOR' });
  });
});
