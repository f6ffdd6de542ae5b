import { corsAllowedOrigins, pageLimitProblems, securityHeaderProblems, writeReliabilityFigure } from '@myshop/testing';
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
    const open = await buildCart({ env: { CORS_ORIGINS: 'https://shop.example' } });
    const answers = await corsAllowedOrigins({
      closed: closed.app,
      open: open.app,
      allowedOrigin: 'https://shop.example',
      preflightUrl: '/cart/items',
      url: '/cart/products',
    });
    expect(answers).toStrictEqual({
      closedPreflight: undefined,
      closedRead: undefined,
      allowedRead: 'https://shop.example',
      foreignRead: undefined,
    });
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
    const { problems, requests } = await pageLimitProblems(app, ['/cart/products', '/cart/orders'], user.headers);
    expect(problems).toEqual([]);
    writeReliabilityFigure({
      check: 'page size cap cart',
      load: `${requests} list requests`,
      figure: 'limit > 100 → 400 on /cart/products and /cart/orders',
      target: 'limit ≤ 100',
      pass: true,
    });
  });
});
