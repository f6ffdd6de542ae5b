/**
 * Seeds the catalogue from data/products.json, the one source of the shop's products. Upserts by
 * id, so applying it to a database that already has some of them is harmless, and deletes the
 * products the file no longer holds (and, by migration 0005, the cart lines of them). A later
 * change to the file ships as a new migration that runs the same seed (`seedProducts`).
 */
import { readFileSync } from 'node:fs';

interface MigrationBuilder {
  sql(statement: string): void;
}

interface SeedProduct {
  id: string;
  name: string;
  description: string;
  price: number;
}

/**
 * The most a price may be: the maximum of the API's money (MinorUnits in @myshop/schemas), which the
 * catalogue's answers promise; past it a line's total could also pass 2^53 and stop being exact.
 */
export const MAX_PRICE = 99_999_999_999;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function readProducts(path = new URL('../data/products.json', import.meta.url)): SeedProduct[] {
  const products = JSON.parse(readFileSync(path, 'utf8')) as unknown;
  if (!Array.isArray(products) || products.length === 0) throw new Error('data/products.json must be a non-empty array');
  const ids = new Set<string>();
  for (const [index, product] of products.entries()) {
    const { id, name, description, price } = (product ?? {}) as Partial<SeedProduct>;
    const problem =
      typeof id !== 'string' || !UUID.test(id)
        ? 'id must be a lowercase uuid'
        : ids.has(id)
          ? `id ${id} appears twice`
          : typeof name !== 'string' || name.trim().length === 0 || name.length > 200
            ? 'name must be 1–200 characters'
            : typeof description !== 'string'
              ? 'description must be a string'
              : !Number.isSafeInteger(price) || (price as number) <= 0 || (price as number) > MAX_PRICE
                ? `price must be a positive integer of minor units, at most ${MAX_PRICE}`
                : undefined;
    if (problem) throw new Error(`data/products.json[${index}]: ${problem}`);
    ids.add(id as string);
  }
  return products as SeedProduct[];
}

/** A standard SQL string literal: quotes doubled (standard_conforming_strings is on since PostgreSQL 9.1). */
function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** Makes the products table hold exactly `products`: the whole catalogue, never a part of it. */
export function seedProducts(pgm: MigrationBuilder, products: SeedProduct[]): void {
  pgm.sql(`
    INSERT INTO products (id, name, description, price)
    SELECT id, name, description, price
      FROM jsonb_to_recordset(${literal(JSON.stringify(products))}::jsonb)
           AS seed(id uuid, name text, description text, price bigint)
    ON CONFLICT (id) DO UPDATE
      SET name = excluded.name, description = excluded.description, price = excluded.price, updated_at = now()
  `);
  // A product that left the file leaves the catalogue: it is no longer for sale at any price.
  pgm.sql(`DELETE FROM products WHERE id <> ALL (ARRAY[${products.map((product) => `${literal(product.id)}::uuid`).join(', ')}])`);
}

export function up(pgm: MigrationBuilder): void {
  seedProducts(pgm, readProducts());
}

export function down(pgm: MigrationBuilder): void {
  const ids = readProducts().map((product) => literal(product.id));
  pgm.sql(`DELETE FROM products WHERE id IN (${ids.join(', ')})`);
}
