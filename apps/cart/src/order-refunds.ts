import type { Database } from '@myshop/db';
import { isUuid } from '@myshop/schemas';
import { Type, type Static } from 'typebox';

/** A refund as payment's refund feed gives it: what cart reads of it, checked as it arrives. */
export const RefundEvent = Type.Object({
  id: Type.String(),
  chargeId: Type.String(),
  /** The order the refunded charge paid for (its metadata.orderId); null for a charge of no order. */
  orderId: Type.Union([Type.String(), Type.Null()]),
  amount: Type.Integer({ minimum: 1 }),
  createdAt: Type.String(),
});
export type RefundEvent = Static<typeof RefundEvent>;

/**
 * Refunds shown on the orders they give money back for. Payment is where refunds are made (by an
 * operator); cart reads them from payment's feed and records each once, whatever replica reads it
 * and however often, moving the order to partially_refunded or refunded.
 */
export function orderRefunds(db: Database) {
  return {
    /** Where reading the feed goes on; undefined before the first read. */
    async position(): Promise<string | undefined> {
      const { rows } = await db.query<{ cursor: string | null }>('SELECT cursor FROM refund_feed_position');
      return rows[0]?.cursor ?? undefined;
    },

    /**
     * Records a page of the feed and where it ends, in one transaction. Answers the refunds new to
     * this database (another replica may have recorded the same page first). A refund of a charge
     * that paid for no order of ours, or for an order that failed, is left out: the reconciliation
     * reports such charges.
     */
    apply(events: RefundEvent[], nextCursor: string): Promise<Array<{ orderId: string; amount: number; refunds: number }>> {
      return db.transaction(async (tx) => {
        const ofOrders = events.filter((event) => event.orderId !== null && isUuid(event.orderId));
        const { rows } = await tx.query<{ order_id: string; amount: number; refunds: number }>(
          `WITH recorded AS (
             INSERT INTO order_refunds (refund_id, order_id, amount, refunded_at)
             SELECT e.id, e.order_id, e.amount, e.created_at
               FROM unnest($1::uuid[], $2::uuid[], $3::bigint[], $4::timestamptz[]) AS e(id, order_id, amount, created_at)
              -- A failed order shows no refund: its charge, if payment made one after all, is the
              -- reconciliation's to report; taken here it would break the order's constraints and
              -- stop the feed at this page for every order.
              WHERE EXISTS (SELECT 1 FROM orders o WHERE o.id = e.order_id AND o.status <> 'failed')
             ON CONFLICT (refund_id) DO NOTHING
             RETURNING order_id, amount
           ), totals AS (
             SELECT order_id, sum(amount)::bigint AS amount, count(*)::int AS refunds FROM recorded GROUP BY order_id
           )
           UPDATE orders o
              SET amount_refunded = o.amount_refunded + t.amount,
                  status = CASE
                    WHEN o.status = 'pending' THEN 'pending'
                    WHEN o.amount_refunded + t.amount < o.amount THEN 'partially_refunded'
                    ELSE 'refunded'
                  END,
                  updated_at = now()
             FROM totals t
            WHERE o.id = t.order_id
           RETURNING o.id AS order_id, t.amount, t.refunds`,
          [
            ofOrders.map((event) => event.id),
            ofOrders.map((event) => event.orderId),
            ofOrders.map((event) => event.amount),
            ofOrders.map((event) => event.createdAt),
          ],
        );
        await tx.query('UPDATE refund_feed_position SET cursor = $1', [nextCursor]);
        return rows.map((row) => ({ orderId: row.order_id, amount: row.amount, refunds: row.refunds }));
      });
    },
  };
}
