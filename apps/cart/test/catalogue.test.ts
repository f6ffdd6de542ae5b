import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { encodeCursor } from '@myshop/schemas';
import { buildCart, SOCKS, type CartHarness } from './helpers.ts';

interface ProductRow {
  id: string;
  name: string;
  description: string;
  price: number;
}

/** The keyset query GET /cart/products ran before the catalogue moved into memory: the reference. */
async function sqlPage(database: CartHarness['database'], limit: number, afterId?: string) {
  const rows = afterId
    ? await database.query<ProductRow>(
        `SELECT id, name, description, price::int FROM products
          WHERE (name, id) > (SELECT name, id FROM products WHERE id = $1) ORDER BY name, id LIMIT $2`,
        [afterId, limit + 1],
      )
    : await database.query<ProductRow>('SELECT id, name, description, price::int FROM products ORDER BY name, id LIMIT $1', [limit + 1]);
  const items = rows.slice(0, limit).map((row) => ({ ...row, currency: 'USD' }));
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last ? encodeCursor([last.id]) : null };
}

/**
 * Names whose order differs between collations, and between UTF-16 (JavaScript's `<`) and UTF-8
 * bytes (the column's "C" collation): case, accents, a character above the BMP against one just
 * below it, a prefix of another name, and the same name twice (the id decides).
 */
const AWKWARD_NAMES = [
  'apple',
  'Apple',
  'Äpfel',
  'Zebra',
  'zebra',
  '\u{FF5E} fullwidth tilde',
  '\u{1F600} grin',
  'Merino',
  'Merino Wool',
  'Twin',
  'Twin',
  'ÿ',
  '_under',
  ' space',
];

async function addAwkwardProducts(database: CartHarness['database']): Promise<void> {
  await database.query(
    `INSERT INTO products (id, name, description, price)
     SELECT gen_random_uuid(), name, 'Named to test the order', 100 + ordinality FROM unnest($1::text[]) WITH ORDINALITY AS name`,
    [AWKWARD_NAMES],
  );
}

async function page(app: FastifyInstance, query: string) {
  const response = await app.inject({ method: 'GET', url: `/cart/products?${query}` });
  expect(response.statusCode).toBe(200);
  return response;
}

describe('the catalogue in memory', () => {
  it('pages exactly as the keyset query over the table does, for every limit from 1 to 100', async () => {
    const { database, replica } = await buildCart();
    await addAwkwardProducts(database);
    // Started after the insert: this replica's catalogue holds the awkward names.
    const app = await replica();
    const total = (await database.query<{ count: number }>('SELECT count(*)::int AS count FROM products'))[0]!.count;

    for (let limit = 1; limit <= 100; limit += 1) {
      let cursor: string | null = null;
      let seen = 0;
      do {
        const response = await page(app, cursor ? `limit=${limit}&cursor=${cursor}` : `limit=${limit}`);
        const expected = await sqlPage(
          database,
          limit,
          cursor ? (JSON.parse(Buffer.from(cursor, 'base64url').toString()) as [string])[0] : undefined,
        );
        // Byte for byte: same products, same order, same fields, same cursor.
        expect(response.body, `limit ${limit}, after ${seen}`).toBe(JSON.stringify(expected));
        seen += expected.items.length;
        cursor = expected.nextCursor;
      } while (cursor);
      expect(seen).toBe(total);
    }
  });

  it('answers a cursor naming a product it does not hold with an empty last page, as the query did', async () => {
    const { app, database } = await buildCart();
    const unknown = randomUUID();
    const response = await page(app, `cursor=${encodeCursor([unknown])}`);
    expect(response.json()).toEqual({ items: [], nextCursor: null });
    expect(JSON.stringify(await sqlPage(database, 20, unknown))).toBe(response.body);
  });

  it('reads ids in any case, as the uuid column compares them', async () => {
    const { app, database } = await buildCart();
    const upper = SOCKS.id.toUpperCase();
    const product = await app.inject({ method: 'GET', url: `/cart/products/${upper}` });
    expect(product.statusCode).toBe(200);
    expect(product.json()).toMatchObject({ id: SOCKS.id });
    const after = await page(app, `limit=3&cursor=${encodeCursor([upper])}`);
    expect(after.body).toBe(JSON.stringify(await sqlPage(database, 3, SOCKS.id)));
  });
});
