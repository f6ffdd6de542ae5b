import { isUniqueViolation, type Database, type Queryable } from '@myshop/db';
import { lockCart, readLines } from './carts-repository.ts';
import { isUuid } from '@myshop/schemas';
import { withRetryAfter } from '@myshop/errors';
import {
  ABANDONED,
  AmountLimitError,
  CartEmptyError,
  checkoutInProgress,
  checkoutPending,
  CheckoutKeyReusedError,
  TooManyDeclinesError,
} from './errors.ts';
import type { ErrorResponse } from '@myshop/schemas';
import type { StoredResponse } from '@myshop/server';
import { MAX_ORDER_AMOUNT, type CartLine, type CheckoutResult, type Order, type OrderStatus } from './schemas.ts';

interface OrderRow {
  id: string;
  user_id: string;
  idempotency_key: string;
  status: OrderStatus;
  amount: number;
  amount_refunded: number;
  currency: string;
  charge_id: string | null;
  failure_code: string | null;
  response_status: number | null;
  response_body: unknown;
  attempt_active: boolean;
  attempts: number;
  card_fingerprint: string | null;
  created_at: Date;
  updated_at: Date;
}

interface OrderItemRow {
  order_id: string;
  product_id: string;
  name: string;
  unit_price: number;
  quantity: number;
  line_total: number;
}

/** The answer a finished checkout gave, kept with its order and replayed for its key. */
export type StoredCheckoutResponse =
  | StoredResponse<201, CheckoutResult>
  | StoredResponse<402, ErrorResponse>
  /** Abandoned: another checkout of the cart found it unfinished and voided its charge. */
  | StoredResponse<409, ErrorResponse>;

/** An order payment has not settled yet, with the snapshot it is charged for. */
export interface PendingOrder {
  id: string;
  userId: string;
  /** The checkout's Idempotency-Key, from which payment's key for its charge is derived. */
  idempotencyKey: string;
  amount: number;
  currency: string;
  items: CartLine[];
  /** Which attempt at the order holds its lease: only that one may release it. */
  attempt: number;
}

export type CheckoutStart =
  | { kind: 'finished'; response: StoredCheckoutResponse }
  | { kind: 'attempt'; order: PendingOrder; resumed: boolean }
  /**
   * Another checkout of the cart (another key) was left unfinished: its attempt is over but
   * whether payment charged it is unknown. This attempt now holds it, to settle it first.
   */
  | { kind: 'unfinished'; order: PendingOrder };

/** How many declined checkouts in a row a shopper may make within a window (CHECKOUT_DECLINES_MAX…). */
export interface DeclineLimit {
  max: number;
  windowSeconds: number;
}

export type Settlement =
  | { status: 'paid'; chargeId: string; response: Extract<StoredCheckoutResponse, { statusCode: 201 }> }
  | { status: 'failed'; failureCode: string; response: Extract<StoredCheckoutResponse, { statusCode: 402 | 409 }> };

const ORDER_COLUMNS = `id, user_id, idempotency_key, status, amount, amount_refunded, currency, charge_id, failure_code,
  response_status, response_body, coalesce(attempt_expires_at > now(), false) AS attempt_active, attempts, card_fingerprint, created_at,
  updated_at`;

/** A paid order's status from what was refunded of it. */
const PAID_STATUS = `CASE WHEN amount_refunded = 0 THEN 'paid' WHEN amount_refunded < amount THEN 'partially_refunded' ELSE 'refunded' END`;

function toItems(rows: OrderItemRow[]): CartLine[] {
  return rows.map((row) => ({
    productId: row.product_id,
    name: row.name,
    quantity: row.quantity,
    unitPrice: row.unit_price,
    lineTotal: row.line_total,
  }));
}

function toOrder(row: OrderRow, items: CartLine[]): Order {
  return {
    id: row.id,
    status: row.status,
    amount: row.amount,
    amountRefunded: row.amount_refunded,
    currency: row.currency,
    chargeId: row.charge_id,
    failureCode: row.failure_code,
    items,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

async function itemsOf(db: Queryable, orderIds: string[]): Promise<Map<string, CartLine[]>> {
  const { rows } = await db.query<OrderItemRow>('SELECT * FROM order_items WHERE order_id = ANY($1::uuid[]) ORDER BY order_id, position', [
    orderIds,
  ]);
  const byOrder = new Map<string, OrderItemRow[]>(orderIds.map((id) => [id, []]));
  for (const row of rows) byOrder.get(row.order_id)?.push(row);
  return new Map([...byOrder].map(([id, items]) => [id, toItems(items)]));
}

function pendingOrder(row: OrderRow, items: CartLine[], attempt: number): PendingOrder {
  return {
    id: row.id,
    userId: row.user_id,
    idempotencyKey: row.idempotency_key,
    amount: row.amount,
    currency: row.currency,
    items,
    attempt,
  };
}

function storedResponse(row: OrderRow): StoredCheckoutResponse {
  // Written by settle() from one of the two shapes above, and only by it.
  return { statusCode: row.response_status, body: row.response_body } as StoredCheckoutResponse;
}

/**
 * Refuses a new order when the shopper's newest `max` orders were all declined within the window
 * (a paid one in between starts the count again): 429 with Retry-After, until the oldest of them
 * leaves it. Reads at most `max` rows, newest first (orders_user_created_id), under the cart’s lock.
 */
async function refuseAfterDeclines(tx: Queryable, userId: string, { max, windowSeconds }: DeclineLimit): Promise<void> {
  const { rows } = await tx.query<{ declined: number; seconds_left: number | null }>(
    `SELECT count(*) FILTER (WHERE status = 'failed' AND failure_code <> $4 AND created_at > now() - make_interval(secs => $2::int))::int
              AS declined,
            ceil(extract(epoch FROM min(created_at) + make_interval(secs => $2::int) - now()))::int AS seconds_left
       FROM (SELECT status, failure_code, created_at FROM orders WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $3) AS newest`,
    [userId, windowSeconds, max, ABANDONED.failureCode],
  );
  const { declined, seconds_left: secondsLeft } = rows[0]!;
  if (declined < max) return;
  throw withRetryAfter(new TooManyDeclinesError(), Math.max(1, secondsLeft ?? 1));
}

/**
 * Orders and the checkout's bookkeeping. An order is keyed by (user, Idempotency-Key): the first
 * attempt records it as `pending` with a snapshot of what is charged; the attempt that hears
 * payment's final answer settles it (`paid` or `failed`) and stores the response every later
 * attempt with the key replays. While an attempt talks to payment it holds a short lease, so a
 * concurrent attempt with the same key is told to wait; a crashed attempt's lease simply expires.
 */
export function ordersRepository(db: Database) {
  return {
    /** Finds or records the order of this checkout key, and claims the right to charge it. */
    start(
      userId: string,
      key: string,
      options: { currency: string; leaseMs: number; cardFingerprint: string; declineLimit: DeclineLimit },
    ): Promise<CheckoutStart> {
      return db
        .transaction(async (tx): Promise<CheckoutStart> => {
          // The cart's lock: the snapshot cannot race a change to the cart, nor another checkout.
          await lockCart(tx, userId);
          const { rows } = await tx.query<OrderRow>(
            `SELECT ${ORDER_COLUMNS} FROM orders WHERE user_id = $1 AND idempotency_key = $2 FOR UPDATE`,
            [userId, key],
          );
          // The lease runs from when it is taken (clock_timestamp), not from when this transaction
          // began: the wait for the cart's lock must not eat into it. Returns the attempt's number.
          const takeLease = async (orderId: string) =>
            (
              await tx.query<{ attempts: number }>(
                `UPDATE orders SET attempts = attempts + 1, attempt_expires_at = clock_timestamp() + $2 * interval '1 millisecond',
                        updated_at = now()
                  WHERE id = $1
                RETURNING attempts`,
                [orderId, options.leaseMs],
              )
            ).rows[0]!.attempts;
          const existing = rows[0];
          if (existing) {
            // The key of a checkout made with another card: neither replayed (as if this card had
            // paid) nor resumed (its charge is for the first card). Orders from before
            // fingerprints were kept have none, and replay as they did.
            if (existing.card_fingerprint !== null && existing.card_fingerprint !== options.cardFingerprint) {
              throw new CheckoutKeyReusedError();
            }
            if (existing.status !== 'pending') return { kind: 'finished', response: storedResponse(existing) };
            if (existing.attempt_active) throw checkoutInProgress();
            const attempt = await takeLease(existing.id);
            const items = (await itemsOf(tx, [existing.id])).get(existing.id)!;
            return { kind: 'attempt', resumed: true, order: pendingOrder(existing, items, attempt) };
          }

          // One cart, one payment: another key's checkout of this cart is still unsettled.
          const unsettled = await tx.query<OrderRow>(`SELECT ${ORDER_COLUMNS} FROM orders WHERE user_id = $1 AND status = 'pending'`, [
            userId,
          ]);
          const other = unsettled.rows[0];
          if (other) {
            if (other.attempt_active) throw checkoutPending();
            const attempt = await takeLease(other.id);
            return { kind: 'unfinished', order: pendingOrder(other, (await itemsOf(tx, [other.id])).get(other.id)!, attempt) };
          }

          await refuseAfterDeclines(tx, userId, options.declineLimit);
          const items = await readLines(tx, userId);
          if (items.length === 0) throw new CartEmptyError();
          const amount = items.reduce((sum, line) => sum + line.lineTotal, 0);
          if (amount > MAX_ORDER_AMOUNT) throw new AmountLimitError(MAX_ORDER_AMOUNT);
          const inserted = await tx.query<{ id: string }>(
            `INSERT INTO orders (user_id, idempotency_key, status, amount, currency, attempts, attempt_expires_at, card_fingerprint)
             VALUES ($1, $2, 'pending', $3, $4, 1, clock_timestamp() + $5 * interval '1 millisecond', $6)
             RETURNING id`,
            [userId, key, amount, options.currency, options.leaseMs, options.cardFingerprint],
          );
          const orderId = inserted.rows[0]!.id;
          await tx.query(
            `INSERT INTO order_items (order_id, position, product_id, name, unit_price, quantity, line_total)
             SELECT $1, ordinality, product_id, name, unit_price, quantity, line_total
               FROM unnest($2::uuid[], $3::text[], $4::bigint[], $5::int[], $6::bigint[])
                    WITH ORDINALITY AS line(product_id, name, unit_price, quantity, line_total)`,
            [
              orderId,
              items.map((line) => line.productId),
              items.map((line) => line.name),
              items.map((line) => line.unitPrice),
              items.map((line) => line.quantity),
              items.map((line) => line.lineTotal),
            ],
          );
          return {
            kind: 'attempt',
            resumed: false,
            order: { id: orderId, userId, idempotencyKey: key, amount, currency: options.currency, items, attempt: 1 },
          };
        })
        .catch((error: unknown) => {
          // Only reachable if the cart lock were bypassed; still one winner, the other waits.
          if (isUniqueViolation(error, 'orders_user_key')) throw checkoutInProgress();
          if (isUniqueViolation(error, 'orders_one_pending_per_user')) throw checkoutPending();
          throw error;
        });
    },

    /**
     * Records payment's final answer, once: a paid order also leaves the cart (what was bought is
     * taken out of it). If another attempt settled it first, its stored answer is returned instead.
     */
    settle(order: PendingOrder, settlement: Settlement): Promise<{ response: StoredCheckoutResponse; settledNow: boolean }> {
      return db.transaction(async (tx) => {
        await lockCart(tx, order.userId);
        // Paid, it says at once what refunds already came back (one may beat the settling).
        const { rowCount } = await tx.query(
          `UPDATE orders SET status = CASE WHEN $2 = 'paid' THEN ${PAID_STATUS} ELSE $2 END,
                  charge_id = $3, failure_code = $4, response_status = $5, response_body = $6,
                  attempt_expires_at = NULL, updated_at = now()
            WHERE id = $1 AND status = 'pending'`,
          [
            order.id,
            settlement.status,
            settlement.status === 'paid' ? settlement.chargeId : null,
            settlement.status === 'failed' ? settlement.failureCode : null,
            settlement.response.statusCode,
            JSON.stringify(settlement.response.body),
          ],
        );
        if (rowCount === 0) {
          const { rows } = await tx.query<OrderRow>(`SELECT ${ORDER_COLUMNS} FROM orders WHERE id = $1`, [order.id]);
          return { response: storedResponse(rows[0]!), settledNow: false };
        }
        if (settlement.status === 'paid') {
          // What was bought leaves the cart; anything added meanwhile stays for the next checkout.
          await tx.query(
            `DELETE FROM cart_items ci USING order_items oi
              WHERE oi.order_id = $1 AND ci.user_id = $2 AND ci.product_id = oi.product_id AND ci.quantity <= oi.quantity`,
            [order.id, order.userId],
          );
          await tx.query(
            `UPDATE cart_items ci SET quantity = ci.quantity - oi.quantity FROM order_items oi
              WHERE oi.order_id = $1 AND ci.user_id = $2 AND ci.product_id = oi.product_id`,
            [order.id, order.userId],
          );
          await tx.query('UPDATE carts SET updated_at = now() WHERE user_id = $1', [order.userId]);
        }
        return { response: settlement.response, settledNow: true };
      });
    },

    /**
     * Ends an attempt that got no final answer: the order stays pending and the key may be retried
     * at once. Only while this attempt still holds the lease: one that outlived it, and whose
     * order another attempt took over meanwhile, must not end that one's.
     */
    async release(order: Pick<PendingOrder, 'id' | 'attempt'>): Promise<void> {
      await db.query(
        `UPDATE orders SET attempt_expires_at = NULL, updated_at = now() WHERE id = $1 AND status = 'pending' AND attempts = $2`,
        [order.id, order.attempt],
      );
    },

    /**
     * The user's orders, newest first; `afterId` is the previous page's last order (one of the
     * user's own: another user's id gives an empty page, as an unknown one does).
     */
    async list(userId: string, limit: number, afterId?: string): Promise<Order[]> {
      const { rows } = await db.query<OrderRow>(
        `SELECT ${ORDER_COLUMNS} FROM orders
          WHERE user_id = $1
            AND ($2::uuid IS NULL OR (created_at, id) < (SELECT created_at, id FROM orders WHERE id = $2 AND user_id = $1))
          ORDER BY created_at DESC, id DESC LIMIT $3`,
        [userId, afterId ?? null, limit],
      );
      if (rows.length === 0) return [];
      const items = await itemsOf(
        db,
        rows.map((row) => row.id),
      );
      return rows.map((row) => toOrder(row, items.get(row.id)!));
    },

    /** Only the user's own: another user's order is as unknown as one that does not exist. */
    async find(userId: string, id: string): Promise<Order | undefined> {
      if (!isUuid(id)) return undefined;
      const { rows } = await db.query<OrderRow>(`SELECT ${ORDER_COLUMNS} FROM orders WHERE id = $1 AND user_id = $2`, [id, userId]);
      const row = rows[0];
      if (!row) return undefined;
      return toOrder(row, (await itemsOf(db, [row.id])).get(row.id)!);
    },
  };
}
