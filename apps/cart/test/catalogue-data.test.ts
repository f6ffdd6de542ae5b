import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readProducts } from '../migrations/0002_seed_products.ts';
import { buildCart } from './helpers.ts';

const dataFile = new URL('../data/products.json', import.meta.url);

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
  ])('refuses a file that is %s, naming the problem', (_case, content, message) => {
    expect(() => readProducts(fileWith(content))).toThrow(message);
  });
});
