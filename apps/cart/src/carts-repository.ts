import type { Database, Queryable } from '@myshop/db';
import { isUuid } from '@myshop/schemas';
import { ItemNotFoundError, LineLimitError, ProductNotFoundError, QuantityLimitError } from './errors.ts';
import { MAX_CART_LINES, MAX_LINE_QUANTITY, type Cart, type CartLine } from './schemas.ts';

interface LineRow {
  product_id: string;
  name: string;
  quantity: number;
  price: number;
}

/** A cart line priced from the catalogue as it is now: the client never says what anything costs. */
function toLines(rows: LineRow[]): CartLine[] {
  return rows.map((row) => ({
    productId: row.product_id,
    name: row.name,
    quantity: row.quantity,
    unitPrice: row.price,
    lineTotal: row.price * row.quantity,
  }));
}

function toCart(lines: CartLine[], currency: string): Cart {
  return { items: lines, subtotal: lines.reduce((sum, line) => sum + line.lineTotal, 0), currency };
}

/** The lines of a user's cart, oldest first, with today's catalogue name and price. */
export async function readLines(db: Queryable, userId: string): Promise<CartLine[]> {
  const { rows } = await db.query<LineRow>(
    `SELECT ci.product_id, p.name, ci.quantity, p.price
       FROM cart_items ci JOIN products p ON p.id = ci.product_id
      WHERE ci.user_id = $1
      ORDER BY ci.added_at, ci.product_id`,
    [userId],
  );
  return toLines(rows);
}

/**
 * Takes the lock on a user's cart row (creating the row if needed) until the transaction ends: every
 * change to one user's cart, and every checkout, runs one at a time, so limits hold under concurrency.
 */
export async function lockCart(tx: Queryable, userId: string): Promise<void> {
  await tx.query('INSERT INTO carts (user_id) VALUES ($1) ON CONFLICT (user_id) DO NOTHING', [userId]);
  await tx.query('SELECT 1 FROM carts WHERE user_id = $1 FOR UPDATE', [userId]);
}

export function cartsRepository(db: Database, currency: string) {
  /** Changes a cart under its lock and answers with the cart as it is afterwards. */
  const change = (userId: string, work: (tx: Queryable) => Promise<void>): Promise<Cart> =>
    db.transaction(async (tx) => {
      await lockCart(tx, userId);
      await work(tx);
      await tx.query('UPDATE carts SET updated_at = now() WHERE user_id = $1', [userId]);
      return toCart(await readLines(tx, userId), currency);
    });

  return {
    async get(userId: string): Promise<Cart> {
      return toCart(await readLines(db, userId), currency);
    },

    /** Adds to the line of this product, or starts one. */
    async addItem(userId: string, productId: string, quantity: number): Promise<Cart> {
      if (quantity > MAX_LINE_QUANTITY) throw new QuantityLimitError(MAX_LINE_QUANTITY);
      return change(userId, async (tx) => {
        const product = await tx.query('SELECT 1 FROM products WHERE id = $1', [productId]);
        if (product.rowCount === 0) throw new ProductNotFoundError();
        const { rows } = await tx.query<{ quantity: number }>('SELECT quantity FROM cart_items WHERE user_id = $1 AND product_id = $2', [
          userId,
          productId,
        ]);
        const existing = rows[0];
        if (existing) {
          if (existing.quantity + quantity > MAX_LINE_QUANTITY) throw new QuantityLimitError(MAX_LINE_QUANTITY);
          await tx.query('UPDATE cart_items SET quantity = quantity + $3 WHERE user_id = $1 AND product_id = $2', [
            userId,
            productId,
            quantity,
          ]);
          return;
        }
        const count = await tx.query<{ lines: number }>('SELECT count(*)::int AS lines FROM cart_items WHERE user_id = $1', [userId]);
        if (count.rows[0]!.lines >= MAX_CART_LINES) throw new LineLimitError(MAX_CART_LINES);
        await tx.query('INSERT INTO cart_items (user_id, product_id, quantity) VALUES ($1, $2, $3)', [userId, productId, quantity]);
      });
    },

    /** Sets the quantity of a line already in the cart. */
    async setQuantity(userId: string, productId: string, quantity: number): Promise<Cart> {
      if (quantity > MAX_LINE_QUANTITY) throw new QuantityLimitError(MAX_LINE_QUANTITY);
      if (!isUuid(productId)) throw new ItemNotFoundError();
      return change(userId, async (tx) => {
        const updated = await tx.query('UPDATE cart_items SET quantity = $3 WHERE user_id = $1 AND product_id = $2', [
          userId,
          productId,
          quantity,
        ]);
        if (updated.rowCount === 0) throw new ItemNotFoundError();
      });
    },

    async removeItem(userId: string, productId: string): Promise<Cart> {
      if (!isUuid(productId)) throw new ItemNotFoundError();
      return change(userId, async (tx) => {
        const deleted = await tx.query('DELETE FROM cart_items WHERE user_id = $1 AND product_id = $2', [userId, productId]);
        if (deleted.rowCount === 0) throw new ItemNotFoundError();
      });
    },

    async clear(userId: string): Promise<void> {
      await db.transaction(async (tx) => {
        await lockCart(tx, userId);
        await tx.query('DELETE FROM cart_items WHERE user_id = $1', [userId]);
        await tx.query('UPDATE carts SET updated_at = now() WHERE user_id = $1', [userId]);
      });
    },
  };
}
