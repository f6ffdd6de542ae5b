import { readFileSync } from 'node:fs';
import { httpClient } from '@myshop/testing';
import { describe, expect, it } from 'vitest';
import { buildCart, SOCKS } from '../helpers.ts';

const seed = JSON.parse(readFileSync(new URL('../../data/products.json', import.meta.url), 'utf8')) as Array<{
  id: string;
  name: string;
  price: number;
}>;
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
    expect(body.items[0]).toEqual({
      id: byName[0]!.id,
      name: byName[0]!.name,
      description: expect.any(String),
      price: byName[0]!.price,
      currency: 'USD',
    });
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

  // A limit is a count in decimal digits: `0x10` is not 16 to whoever reads the URL, and every
  // other spelling would be one more URL for the same cached page.
  it.each(['limit=0x10', 'limit=1e1', 'limit=%2B5', 'limit=%205', 'limit=05', 'limit=5.0', 'limit=-0'])(
    'rejects ?%s, a limit not written in plain decimal digits, with 400',
    async (query) => {
      const { app } = await buildCart();
      const api = await httpClient(app);
      const response = await api.get(`/cart/products?${query}`);
      expect(response.status).toBe(400);
      expect(response.headers.etag).toBeUndefined();
      expect(response.body).toEqual({
        statusCode: 400,
        code: 'FST_ERR_VALIDATION',
        error: 'Bad Request',
        message: 'querystring/limit must be integer',
      });
    },
  );

  it.each([
    ['not base64 JSON', 'definitely-not-a-cursor'],
    ['the wrong shape', Buffer.from(JSON.stringify({ name: 'a' })).toString('base64url')],
    ['an id that is not a uuid', Buffer.from(JSON.stringify(["1' OR '1'='1"])).toString('base64url')],
    ['two positions', Buffer.from(JSON.stringify(['Socks', 'ac68e6de-6eb2-4e5c-8da5-7ef71c9c469e'])).toString('base64url')],
    ['a cursor of the orders list', Buffer.from(JSON.stringify([42])).toString('base64url')],
    ['an issued cursor with characters added', `${Buffer.from(JSON.stringify([SOCKS.id])).toString('base64url')}!!`],
  ])('rejects a cursor that is %s with 400 CART_INVALID_CURSOR', async (_case, cursor) => {
    const { app } = await buildCart();
    const api = await httpClient(app);
    const response = await api.get(`/cart/products?cursor=${encodeURIComponent(cursor)}`);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: 'CART_INVALID_CURSOR' });
  });

  describe('caching', () => {
    it('gives a page a strong ETag, the same on every replica for the same content, and a short public Cache-Control', async () => {
      const { app, replica } = await buildCart();
      const api = await httpClient(app);
      const first = await api.get('/cart/products?limit=5');
      expect(first.status).toBe(200);
      expect(first.headers.etag).toMatch(/^"[\w-]{27}"$/);
      expect(first.headers['cache-control']).toBe('public, max-age=60, stale-while-revalidate=60');
      expect((await api.get('/cart/products?limit=5')).headers.etag).toBe(first.headers.etag);
      const other = await httpClient(await replica());
      const again = await other.get('/cart/products?limit=5');
      expect(again.headers.etag).toBe(first.headers.etag);
      expect(again.body).toEqual(first.body);
      // Another page, another tag.
      expect((await api.get('/cart/products?limit=6')).headers.etag).not.toBe(first.headers.etag);
    });

    it('answers 304 with no body when If-None-Match names the page, by weak comparison, alone, in a list or as *', async () => {
      const { app } = await buildCart();
      const api = await httpClient(app);
      const { headers } = await api.get('/cart/products');
      const etag = headers.etag as string;
      for (const ifNoneMatch of [etag, `W/${etag}`, `"elsewhere", ${etag}`, `W/"a",W/${etag} , "b"`, '*']) {
        const response = await app.inject({ url: '/cart/products', headers: { 'if-none-match': ifNoneMatch } });
        expect(response.statusCode, ifNoneMatch).toBe(304);
        expect(response.body, ifNoneMatch).toBe('');
        expect(response.headers.etag, ifNoneMatch).toBe(etag);
        expect(response.headers['cache-control'], ifNoneMatch).toBe('public, max-age=60, stale-while-revalidate=60');
        expect(response.headers['content-type'], ifNoneMatch).toBeUndefined();
      }
      for (const ifNoneMatch of ['"elsewhere"', `${etag.slice(0, -2)}"`, etag.slice(1, -1), '']) {
        const response = await app.inject({ url: '/cart/products', headers: { 'if-none-match': ifNoneMatch } });
        expect(response.statusCode, ifNoneMatch).toBe(200);
        expect(response.json().items).toHaveLength(20);
      }
    });

    it('answers 412 when If-Match names another page, by strong comparison, and serves the page when it names this one', async () => {
      const { app } = await buildCart();
      const api = await httpClient(app);
      const etag = (await api.get('/cart/products')).headers.etag as string;
      // RFC 9110 §13.1.1: a false If-Match is never served; a weak tag never matches strongly.
      for (const ifMatch of ['"elsewhere"', `W/${etag}`, `"a", W/${etag}`]) {
        const response = await app.inject({ url: '/cart/products', headers: { 'if-match': ifMatch } });
        expect(response.statusCode, ifMatch).toBe(412);
        expect(response.json(), ifMatch).toEqual({
          statusCode: 412,
          code: 'CART_PRECONDITION_FAILED',
          error: 'Precondition Failed',
          message: 'The catalogue answer is not the one If-Match names',
        });
        expect(response.headers['cache-control'], ifMatch).toBe('no-store');
        expect(response.headers.etag, ifMatch).toBeUndefined();
      }
      for (const ifMatch of [etag, `"a", ${etag}`, '*']) {
        const response = await app.inject({ url: '/cart/products', headers: { 'if-match': ifMatch } });
        expect(response.statusCode, ifMatch).toBe(200);
        expect(response.headers.etag, ifMatch).toBe(etag);
      }
      // If-Match first (RFC 9110 §13.2.2): a page it names and If-None-Match names too is a 304.
      const both = await app.inject({ url: '/cart/products', headers: { 'if-match': etag, 'if-none-match': etag } });
      expect(both.statusCode).toBe(304);
    });

    it('answers 412, not 304, when If-Match names another page and If-None-Match this one: If-Match is evaluated first', async () => {
      const { app } = await buildCart();
      const etag = (await app.inject({ url: '/cart/products' })).headers.etag as string;
      // RFC 9110 §13.2.2: a false If-Match is answered 412 whatever If-None-Match says.
      for (const ifNoneMatch of [etag, '*']) {
        const response = await app.inject({ url: '/cart/products', headers: { 'if-match': '"elsewhere"', 'if-none-match': ifNoneMatch } });
        expect(response.statusCode, ifNoneMatch).toBe(412);
        expect(response.json(), ifNoneMatch).toMatchObject({ code: 'CART_PRECONDITION_FAILED' });
        expect(response.headers.etag, ifNoneMatch).toBeUndefined();
      }
    });

    it('gives changed content a new ETag: a replica started on a new catalogue', async () => {
      const { app, database, replica } = await buildCart();
      const before = await app.inject({ url: '/cart/products?limit=100' });
      await database.query('UPDATE products SET price = price + 1 WHERE id = $1', [byName[0]!.id]);
      const changed = await replica();
      const after = await changed.inject({ url: '/cart/products?limit=100' });
      expect(after.headers.etag).not.toBe(before.headers.etag);
      expect(after.json().items[0].price).toBe(byName[0]!.price + 1);
      // The old tag is no longer the page: the client gets the new one in full.
      const revalidated = await changed.inject({
        url: '/cart/products?limit=100',
        headers: { 'if-none-match': before.headers.etag as string },
      });
      expect(revalidated.statusCode).toBe(200);
      expect(revalidated.headers.etag).toBe(after.headers.etag);
    });

    it('keeps errors uncacheable and untagged', async () => {
      const { app } = await buildCart();
      const response = await app.inject({ url: '/cart/products?cursor=definitely-not-a-cursor', headers: { 'if-none-match': '*' } });
      expect(response.statusCode).toBe(400);
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.headers.etag).toBeUndefined();
    });
  });
});
