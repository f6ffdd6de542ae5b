import type { Queryable } from '@myshop/db';
import { isUuid } from './cursor.ts';
import type { Product } from './schemas.ts';

interface ProductRow {
  id: string;
  name: string;
  description: string;
  price: number;
}

/** The catalogue, read-only at run time: the migrations seed it from data/products.json. */
export function catalogueRepository(db: Queryable, currency: string) {
  const toProduct = (row: ProductRow): Product => ({ ...row, currency });

  return {
    /** A page in name order; `after` is the (name, id) of the previous page's last product. */
    async list(limit: number, after?: readonly [name: string, id: string]): Promise<Product[]> {
      const { rows } = after
        ? await db.query<ProductRow>(
            `SELECT id, name, description, price FROM products
              WHERE (name, id) > ($1, $2::uuid) ORDER BY name, id LIMIT $3`,
            [after[0], after[1], limit],
          )
        : await db.query<ProductRow>('SELECT id, name, description, price FROM products ORDER BY name, id LIMIT $1', [limit]);
      return rows.map(toProduct);
    },

    async find(id: string): Promise<Product | undefined> {
      if (!isUuid(id)) return undefined;
      const { rows } = await db.query<ProductRow>('SELECT id, name, description, price FROM products WHERE id = $1', [id]);
      return rows[0] && toProduct(rows[0]);
    },
  };
}
