import { securityHeaderProblems, writeReliabilityFigure } from '@myshop/testing';
import { describe, expect, it } from 'vitest';
import { buildCart, fillCart, SOCKS } from '../helpers.ts';

describe('the cart over HTTP', () => {
  it('answers with headers fit for a JSON API: public, private, error and unknown routes alike', async () => {
    const { app, signIn } = await buildCart();
    const user = await signIn();
    const answers = [
      await app.inject({ url: '/cart/products' }),
      await app.inject({ url: '/cart', headers: user.headers }),
      await app.inject({ url: '/cart' }),
      await app.inject({ method: 'POST', url: '/cart/items', headers: user.headers, payload: { quantity: 'x' } }),
      await app.inject({ url: '/cart/nowhere' }),
    ];
    expect(answers.map((answer) => answer.statusCode)).toEqual([200, 200, 401, 400, 404]);
    const [catalogue, ...others] = answers;
    expect(others.flatMap(securityHeaderProblems)).toEqual([]);
    // The public catalogue alone may be cached, on purpose (routes/list-products.ts); its other headers are every answer's.
    expect(securityHeaderProblems(catalogue!)).toEqual(['cache-control is public, max-age=60, stale-while-revalidate=60, wanted no-store']);
  });

  it('keeps CORS closed by default and opens it to exactly the configured origins', async () => {
    const closed = await buildCart();
    const preflight = await closed.app.inject({
      method: 'OPTIONS',
      url: '/cart/items',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    const simple = await closed.app.inject({ url: '/cart/products', headers: { origin: 'https://evil.example' } });
    expect(simple.headers['access-control-allow-origin']).toBeUndefined();

    const open = await buildCart({ env: { CORS_ORIGINS: 'https://shop.example' } });
    const allowed = await open.app.inject({ url: '/cart/products', headers: { origin: 'https://shop.example' } });
    expect(allowed.headers['access-control-allow-origin']).toBe('https://shop.example');
    const other = await open.app.inject({ url: '/cart/products', headers: { origin: 'https://evil.example' } });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('refuses a body over BODY_LIMIT_BYTES with 413 in the error shape, storing nothing', async () => {
    const { app, signIn, storedCart } = await buildCart({ env: { BODY_LIMIT_BYTES: '2048' } });
    const user = await signIn();
    const padded = (size: number) => JSON.stringify({ productId: SOCKS.id, quantity: 1, note: 'x'.repeat(size) });
    const over = await app.inject({
      method: 'POST',
      url: '/cart/items',
      headers: { ...user.headers, 'content-type': 'application/json' },
      payload: padded(3000),
    });
    expect(over.statusCode).toBe(413);
    expect(over.json()).toMatchObject({ statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE' });
    // Under the configured limit the same body reaches validation (and is refused for `note`).
    const under = await app.inject({
      method: 'POST',
      url: '/cart/items',
      headers: { ...user.headers, 'content-type': 'application/json' },
      payload: padded(1500),
    });
    expect(under.statusCode).toBe(400);
    expect(await storedCart(user)).toEqual([]);
  });

  it('caps page sizes at 100 on every list route', async () => {
    const { app, signIn } = await buildCart();
    const user = await signIn();
    await fillCart(app, user, [{ productId: SOCKS.id, quantity: 1 }]);
    const results: string[] = [];
    for (const url of ['/cart/products', '/cart/orders']) {
      for (const [limit, status] of [
        ['100', 200],
        ['101', 400],
        ['0', 400],
        ['1000000', 400],
        ['-1', 400],
        ['1.5', 400],
      ] as const) {
        const response = await app.inject({ url: `${url}?limit=${limit}`, headers: user.headers });
        results.push(`${url}?limit=${limit} ${response.statusCode}`);
        expect(response.statusCode, `${url}?limit=${limit}`).toBe(status);
      }
    }
    writeReliabilityFigure({
      check: 'page size cap cart',
      load: `${results.length} list requests`,
      figure: 'limit > 100 → 400 on /cart/products and /cart/orders',
      target: 'limit ≤ 100',
      pass: true,
    });
  });
});
