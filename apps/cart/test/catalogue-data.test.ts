import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { httpClient } from '@myshop/testing';
import { describe, expect, it } from 'vitest';
import { MinorUnits } from '@myshop/schemas';
import { MAX_PRICE, readProducts, seedProducts } from '../migrations/0002_seed_products.ts';
import { startFakePayment } from './fake-payment.ts';
import { addItem, buildCart, checkout, fillCart, postCheckout, SOCKS, TSHIRT, type CartHarness } from './helpers.ts';

const dataFile = new URL('../data/products.json', import.meta.url);

/** What a migration shipping a new catalogue file does (`seedProducts`), applied to a running shop's database. */
async function shipCatalogue(database: CartHarness['database'], products: ReturnType<typeof readProducts>): Promise<void> {
  const statements: string[] = [];
  seedProducts({ sql: (statement) => statements.push(statement) }, products);
  await database.query(['BEGIN', ...statements, 'COMMIT'].join(';\n'));
}

function fileWith(content: unknown): URL {
  const path = join(mkdtempSync(join(tmpdir(), 'myshop-products-')), 'products.json');
  writeFileSync(path, JSON.stringify(content));
  return pathToFileURL(path);
}

describe('the catalogue data file', () => {
  it('holds at least 20 products with unique ids and names and positive integer prices', () => {
    const products = readProducts(dataFile);
    expect(products.length).toBeGreaterThanOrEqual(20);
    expect(new Set(products.map((product) => product.id)).size).toBe(products.length);
    expect(new Set(products.map((product) => product.name)).size).toBe(products.length);
    for (const product of products) expect(Number.isSafeInteger(product.price) && product.price > 0).toBe(true);
  });

  it('is exactly what the migrations put in the products table', async () => {
    const { database } = await buildCart();
    const rows = await database.query<{ id: string; name: string; description: string; price: number }>(
      'SELECT id, name, description, price::int FROM products ORDER BY id',
    );
    const file = JSON.parse(readFileSync(dataFile, 'utf8')) as Array<{ id: string }>;
    expect(rows).toEqual([...file].sort((a, b) => (a.id < b.id ? -1 : 1)));
  });

  it('takes a product that leaves the file off sale and out of every cart, and leaves the orders that bought it as they were', async () => {
    const payment = await startFakePayment();
    const { app, database, signIn, storedCart, replica } = await buildCart({ env: { PAYMENT_URL: payment.url } });
    const api = await httpClient(app);
    const earlier = await signIn();
    const shopper = await signIn();
    await fillCart(app, earlier, [{ productId: SOCKS.id, quantity: 1 }]);
    const placed = (await checkout(app, earlier)).json() as { orderId: string };
    await fillCart(app, shopper, [
      { productId: SOCKS.id, quantity: 2 },
      { productId: TSHIRT.id, quantity: 1 },
    ]);

    await shipCatalogue(
      database,
      readProducts(dataFile).filter((product) => product.id !== SOCKS.id),
    );

    expect(await database.query('SELECT id FROM products WHERE id = $1', [SOCKS.id])).toEqual([]);
    expect(await storedCart(shopper)).toEqual([{ product_id: TSHIRT.id, quantity: 1 }]);
    const added = await addItem(api, shopper, { productId: SOCKS.id, quantity: 1 });
    expect(added.status).toBe(404);
    expect(added.body.code).toBe('CART_PRODUCT_NOT_FOUND');
    const paid = await postCheckout(api, shopper);
    expect(paid.status).toBe(201);
    expect(paid.body).toMatchObject({ amount: TSHIRT.price, items: [{ productId: TSHIRT.id, quantity: 1 }] });
    expect(payment.requests.at(-1)!.body.amount).toBe(TSHIRT.price);
    // A process started on the new catalogue no longer lists it.
    expect((await (await replica()).inject({ url: `/cart/products/${SOCKS.id}` })).statusCode).toBe(404);
    // An order keeps what it bought, at the price it paid.
    const order = await api.get(`/cart/orders/${placed.orderId}`).set(earlier.headers);
    expect(order.body).toMatchObject({
      status: 'paid',
      amount: SOCKS.price,
      items: [{ productId: SOCKS.id, name: SOCKS.name, quantity: 1, unitPrice: SOCKS.price }],
    });
  });

  it.each([
    ['not an array', { products: [] }, /non-empty array/],
    ['empty', [], /non-empty array/],
    ['a bad id', [{ id: 'x', name: 'A', description: '', price: 1 }], /\[0\]: id must be a lowercase uuid/],
    [
      'a repeated id',
      [
        { id: '9b2f7d4e-1c3a-4e5b-8f6a-0d1e2f3a4b5c', name: 'A', description: '', price: 1 },
        { id: '9b2f7d4e-1c3a-4e5b-8f6a-0d1e2f3a4b5c', name: 'B', description: '', price: 1 },
      ],
      /\[1\]: id .* appears twice/,
    ],
    ['an empty name', [{ id: '9b2f7d4e-1c3a-4e5b-8f6a-0d1e2f3a4b5c', name: ' ', description: '', price: 1 }], /name must be/],
    ['no description', [{ id: '9b2f7d4e-1c3a-4e5b-8f6a-0d1e2f3a4b5c', name: 'A', price: 1 }], /description must be/],
    ['a price in dollars', [{ id: '9b2f7d4e-1c3a-4e5b-8f6a-0d1e2f3a4b5c', name: 'A', description: '', price: 19.99 }], /price must be/],
    ['a null entry', [null], /id must be/],
    [
      'a price past what the API answers',
      [{ id: '9b2f7d4e-1c3a-4e5b-8f6a-0d1e2f3a4b5c', name: 'A', description: '', price: MAX_PRICE + 1 }],
      /price must be .* at most 99999999999/,
    ],
  ])('refuses a file that is %s, naming the problem', (_case, content, message) => {
    expect(() => readProducts(fileWith(content))).toThrow(message);
  });

  it('takes a price up to the most the API’s money schema answers', () => {
    expect(MinorUnits).toMatchObject({ maximum: MAX_PRICE });
    const product = { id: '9b2f7d4e-1c3a-4e5b-8f6a-0d1e2f3a4b5c', name: 'A', description: '', price: MAX_PRICE };
    expect(readProducts(fileWith([product]))).toEqual([product]);
  });
});
