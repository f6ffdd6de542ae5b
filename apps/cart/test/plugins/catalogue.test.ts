import { createTestDatabase } from '@myshop/testing';
import { describe, expect, it, onTestFinished } from 'vitest';
import { readProducts } from '../../migrations/0002_seed_products.ts';
import { encodeCursor } from '@myshop/schemas';
import { buildCart, SOCKS, TSHIRT } from '../helpers.ts';

describe('the catalogue plugin', () => {
  it('reads the catalogue once at start: catalogue reads are served while the database is gone', async () => {
    const { app, database, signIn, logs } = await buildCart();
    expect(logs.lines().find((line) => line.msg === 'catalogue loaded')).toMatchObject({ products: readProducts().length });
    const urls = [
      '/cart/products',
      '/cart/products?limit=5',
      `/cart/products?limit=3&cursor=${encodeCursor([TSHIRT.id])}`,
      `/cart/products/${SOCKS.id}`,
      '/cart/products/00000000-0000-4000-8000-000000000000',
    ];
    const before = await Promise.all(urls.map((url) => app.inject({ url })));

    // The database goes away: dropped from another connection, the app's sessions terminated.
    const admin = await createTestDatabase();
    onTestFinished(() => admin.drop());
    await admin.query(`DROP DATABASE ${database.name} WITH (FORCE)`);
    expect((await app.inject({ url: '/readyz' })).statusCode).toBe(503);
    const user = await signIn();
    expect((await app.inject({ url: '/cart', headers: user.headers })).statusCode).toBeGreaterThanOrEqual(500);

    const after = await Promise.all(urls.map((url) => app.inject({ url })));
    expect(after.map((response) => response.statusCode)).toEqual([200, 200, 200, 200, 404]);
    expect(after.map((response) => response.body)).toEqual(before.map((response) => response.body));
  });

  it('refuses to start on an empty products table rather than serve an empty shop', async () => {
    const { database, replica } = await buildCart();
    await database.query('DELETE FROM products');
    await expect(replica()).rejects.toThrow('The products table is empty');
  });

  it('does not see a change to the table made while it runs: a new catalogue comes with new pods', async () => {
    const { app, database, replica } = await buildCart();
    await database.query('UPDATE products SET price = 1 WHERE id = $1', [SOCKS.id]);
    expect((await app.inject({ url: `/cart/products/${SOCKS.id}` })).json()).toMatchObject({ price: SOCKS.price });
    const restarted = await replica();
    expect((await restarted.inject({ url: `/cart/products/${SOCKS.id}` })).json()).toMatchObject({ price: 1 });
  });
});
