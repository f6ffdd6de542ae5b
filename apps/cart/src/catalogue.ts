import type { Queryable } from '@myshop/db';
import { isUuid } from '@myshop/schemas';
import type { Product } from './schemas.ts';

interface ProductRow {
  id: string;
  name: string;
  description: string;
  price: number;
}

/** The catalogue as the service serves it: a page in name order, or one product. */
export interface Catalogue {
  /**
   * At most `limit` products in (name, id) order; `afterId` is the previous page's last product,
   * whose (name, id) the page starts after. An id the catalogue does not hold gives an empty
   * page, as the keyset query it replaces did.
   */
  list(limit: number, afterId?: string): readonly Product[];
  find(id: string): Product | undefined;
  readonly size: number;
}

/**
 * Reads the whole catalogue once, into memory. The catalogue is read-only at run time: the
 * migrations seed it from data/products.json, and a new catalogue ships as a new migration
 * with new pods, which read it again as they start. So a catalogue read needs no database round
 * trip (the largest cost of GET /cart/products), and keeps working while the database
 * is away. Cart lines and checkout still price from the database.
 *
 * The order is PostgreSQL's own (`ORDER BY name, id`, the "C" collation of the name column), so
 * the pages are those the keyset query gave, with no second implementation of the collation.
 */
export async function loadCatalogue(db: Queryable, currency: string): Promise<Catalogue> {
  const { rows } = await db.query<ProductRow>('SELECT id, name, description, price FROM products ORDER BY name, id');
  // A pod that read an empty table would serve an empty shop until it restarts: refuse instead.
  if (rows.length === 0) throw new Error('The products table is empty: the catalogue migration has not run');
  const products = rows.map(({ id, name, description, price }): Product => Object.freeze({ id, name, description, price, currency }));
  // Ids as PostgreSQL returns a uuid: lowercase. Lookups lowercase theirs, as a uuid comparison does.
  const positions = new Map(products.map((product, position) => [product.id, position]));

  return {
    list(limit, afterId) {
      const start = afterId === undefined ? 0 : positionAfter(afterId);
      return products.slice(start, start + limit);
    },
    find(id) {
      const position = isUuid(id) ? positions.get(id.toLowerCase()) : undefined;
      return position === undefined ? undefined : products[position];
    },
    size: products.length,
  };

  function positionAfter(id: string): number {
    const position = positions.get(id.toLowerCase());
    return position === undefined ? products.length : position + 1;
  }
}
