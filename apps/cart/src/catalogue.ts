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
    /**
     * A page in name order; `afterId` is the previous page's last product, whose (name, id) the
     * page starts after. Products are never deleted while the service runs (carts refer to them).
     */
    async list(limit: number, afterId?: string): Promise<Product[]> {
      const { rows } = afterId
        ? await db.query<ProductRow>(
            `SELECT id, name, description, price FROM products
              WHERE (name, id) > (SELECT name, id FROM products WHERE id = $1) ORDER BY name, id LIMIT $2`,
            [afterId, limit],
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
