import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildCart } from './helpers.ts';

/** The cart service's migrated database, and a way to record an order straight into it. */
async function ordersTable() {
  const { database } = await buildCart();
  const userId = randomUUID();
  const order = (key: string, status: string, extra: { chargeId?: string } = {}) =>
    database.query<{ id: string }>(
      `INSERT INTO orders (user_id, idempotency_key, status, amount, currency, charge_id, response_status, response_body)
       VALUES ($1, $2, $3, 1000, 'USD', $4, $5, $6) RETURNING id`,
      [userId, key, status, extra.chargeId ?? null, status === 'pending' ? null : 201, status === 'pending' ? null : '{}'],
    );
  return { database, userId, order };
}

describe('the cart schema, whatever the code does', () => {
  it('refuses a second pending checkout of one cart (orders_one_pending_per_user)', async () => {
    const { database, userId, order } = await ordersTable();
    await order('key-1', 'pending');

    await expect(order('key-2', 'pending')).rejects.toMatchObject({ constraint: 'orders_one_pending_per_user' });
    expect(await order('key-3', 'failed')).toHaveLength(1);
    expect(await database.query('SELECT idempotency_key FROM orders WHERE user_id = $1 ORDER BY idempotency_key', [userId])).toEqual([
      { idempotency_key: 'key-1' },
      { idempotency_key: 'key-3' },
    ]);
  });

  it('refuses a second order under one Idempotency-Key of a user (orders_user_key)', async () => {
    const { database, userId, order } = await ordersTable();
    await order('key-1', 'failed');

    await expect(order('key-1', 'failed')).rejects.toMatchObject({ constraint: 'orders_user_key' });
    expect(await database.query('SELECT count(*)::int AS n FROM orders WHERE user_id = $1', [userId])).toEqual([{ n: 1 }]);
  });

  it.each([
    ['more than the order', 1001],
    ['a negative amount', -1],
  ])('refuses a pending order refunded by %s (orders_refund_within_amount)', async (_name, amountRefunded) => {
    // A refund may reach an order still pending (charged, not settled yet): its status then says
    // nothing of the amount, and only this constraint keeps the refund within the order.
    const { database, order } = await ordersTable();
    const [pending] = await order('key-1', 'pending');
    const refunded = database.query('UPDATE orders SET amount_refunded = $2 WHERE id = $1', [pending!.id, amountRefunded]);

    await expect(refunded).rejects.toMatchObject({ constraint: 'orders_refund_within_amount' });
    expect(await database.query('SELECT amount_refunded::int FROM orders')).toEqual([{ amount_refunded: 0 }]);
  });
});
