import { createDatabase } from '@myshop/db';

interface OrderRow {
  id: string;
  status: 'pending' | 'paid' | 'failed';
  amount: number;
  charge_id: string | null;
  lines: number;
  items_total: number;
}

interface ChargeRow {
  id: string;
  status: 'succeeded' | 'failed';
  amount: number;
  order_id: string | null;
}

export interface Ledger {
  orders: { paid: number; failed: number; pending: number };
  charges: { succeeded: number; failed: number };
  /** Orders charged more than once. */
  duplicates: number;
  /** Orders still pending with a charge made for them: money taken, order not recorded as paid. */
  chargedButPending: number;
  /** Orders still pending with no charge: an attempt that never got a final answer. */
  unfinished: number;
  /** Every broken rule, one line each (empty when the books balance). */
  problems: string[];
}

/**
 * Reads cart's orders and payment's charges straight from their databases and checks that they
 * tell one story: every paid order has exactly one succeeded charge, for its amount and named by
 * it; a failed order has no succeeded charge; every charge belongs to an order of the same
 * outcome; every order's lines add up to its amount. "Half-written" is any of these broken.
 */
export async function readLedger(cartDatabaseUrl: string, paymentDatabaseUrl: string): Promise<Ledger> {
  const [orders, charges] = await Promise.all([
    selectRows<OrderRow>(
      cartDatabaseUrl,
      `SELECT o.id, o.status, o.amount, o.charge_id,
              (SELECT count(*)::int FROM order_items i WHERE i.order_id = o.id) AS lines,
              (SELECT coalesce(sum(i.line_total), 0)::bigint FROM order_items i WHERE i.order_id = o.id) AS items_total
         FROM orders o`,
    ),
    selectRows<ChargeRow>(paymentDatabaseUrl, `SELECT id, status, amount, metadata->>'orderId' AS order_id FROM charges`),
  ]);
  return balance(orders, charges);
}

export function balance(orders: OrderRow[], charges: ChargeRow[]): Ledger {
  const problems: string[] = [];
  const chargesByOrder = new Map<string, ChargeRow[]>();
  for (const charge of charges) {
    if (!charge.order_id) {
      problems.push(`charge ${charge.id} names no order`);
      continue;
    }
    chargesByOrder.set(charge.order_id, [...(chargesByOrder.get(charge.order_id) ?? []), charge]);
  }
  const ordersById = new Map(orders.map((order) => [order.id, order]));
  let duplicates = 0;
  let chargedButPending = 0;
  let unfinished = 0;

  for (const order of orders) {
    const succeeded = (chargesByOrder.get(order.id) ?? []).filter((charge) => charge.status === 'succeeded');
    if (succeeded.length > 1) {
      duplicates += 1;
      problems.push(`order ${order.id} was charged ${succeeded.length} times`);
    }
    if (order.lines === 0 || order.items_total !== order.amount) {
      problems.push(`order ${order.id} is for ${order.amount} but its ${order.lines} lines add up to ${order.items_total}`);
    }
    if (order.status === 'paid') {
      const charge = succeeded.find((candidate) => candidate.id === order.charge_id);
      if (!charge) problems.push(`order ${order.id} is paid by charge ${order.charge_id}, which is not a succeeded charge for it`);
      else if (charge.amount !== order.amount) problems.push(`order ${order.id} is for ${order.amount} but was charged ${charge.amount}`);
    } else if (order.status === 'failed') {
      if (succeeded.length > 0) problems.push(`order ${order.id} failed but was charged`);
    } else if (succeeded.length > 0) {
      chargedButPending += 1;
      problems.push(`order ${order.id} was charged but is still pending`);
    } else {
      unfinished += 1;
    }
  }
  for (const [orderId, orderCharges] of chargesByOrder) {
    if (!ordersById.has(orderId)) problems.push(`${orderCharges.length} charge(s) for order ${orderId}, which does not exist`);
  }

  return {
    orders: {
      paid: orders.filter((order) => order.status === 'paid').length,
      failed: orders.filter((order) => order.status === 'failed').length,
      pending: orders.filter((order) => order.status === 'pending').length,
    },
    charges: {
      succeeded: charges.filter((charge) => charge.status === 'succeeded').length,
      failed: charges.filter((charge) => charge.status === 'failed').length,
    },
    duplicates,
    chargedButPending,
    unfinished,
    problems,
  };
}

/** One query on a database of the stack, on a connection of its own. */
export async function selectRows<R>(url: string, text: string, values: unknown[] = []): Promise<R[]> {
  const database = createDatabase({ url, poolMax: 1 });
  try {
    return (await database.query(text, values)).rows as R[];
  } finally {
    await database.close();
  }
}
