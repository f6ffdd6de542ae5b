import { createDatabase } from '@myshop/db';

type OrderStatus = 'pending' | 'paid' | 'partially_refunded' | 'refunded' | 'failed';

export interface OrderRow {
  id: string;
  status: OrderStatus;
  amount: number;
  amount_refunded: number;
  charge_id: string | null;
  /** The shopper whose order it is, and the currency of its amount. */
  user_id: string;
  currency: string;
  lines: number;
  items_total: number;
  /** A checkout attempt holds the order right now (its lease has not run out). */
  attempt_active: boolean;
}

export interface ChargeRow {
  id: string;
  status: 'succeeded' | 'failed';
  amount: number;
  amount_refunded: number;
  /** What its refunds add up to. */
  refunds_total: number;
  order_id: string | null;
  /** The shopper charged, and the currency of the amount. */
  user_id: string;
  currency: string;
}

export interface Ledger {
  orders: Record<OrderStatus, number>;
  charges: { succeeded: number; failed: number };
  /** Money, in minor units: taken by succeeded charges, given back by refunds, and what the orders say is kept. */
  money: { captured: number; refunded: number; kept: number; keptByOrders: number };
  /** Orders charged more than once. */
  duplicates: number;
  /** Orders still pending with a charge made for them and no attempt running: money taken, order not settled. */
  chargedButPending: number;
  /**
   * Orders still pending with no charge and no attempt running: an attempt that never got a final
   * answer, retried by nobody yet. Not a difference (no money moved); the shopper's next checkout
   * settles it, and until then an operator can see which ones they are.
   */
  unfinished: string[];
  /** Checkouts being paid right now (not differences: they settle by themselves). */
  inFlight: number;
  /**
   * Paid orders showing less refunded than their charge: a difference, and the one cart's refund
   * sync cures by itself within REFUND_SYNC_INTERVAL_MS of the refund, so a reconciliation run
   * just after a refund meets it.
   */
  refundsNotShown: number;
  /** Every difference, one line each (empty when the books agree). */
  problems: string[];
}

const PAID = new Set<OrderStatus>(['paid', 'partially_refunded', 'refunded']);

/**
 * Reads cart's orders and payment's charges and refunds straight from their databases (what a
 * reconciliation job does) and checks that they tell one story; see `balance`.
 */
export async function readLedger(cartDatabaseUrl: string, paymentDatabaseUrl: string): Promise<Ledger> {
  const [orders, charges] = await Promise.all([
    selectRows<OrderRow>(
      cartDatabaseUrl,
      `SELECT o.id, o.status, o.amount, o.amount_refunded, o.charge_id, o.user_id, o.currency,
              coalesce(o.attempt_expires_at > now(), false) AS attempt_active,
              (SELECT count(*)::int FROM order_items i WHERE i.order_id = o.id) AS lines,
              (SELECT coalesce(sum(i.line_total), 0)::bigint FROM order_items i WHERE i.order_id = o.id) AS items_total
         FROM orders o`,
    ),
    selectRows<ChargeRow>(
      paymentDatabaseUrl,
      `SELECT c.id, c.status, c.amount, c.amount_refunded, c.metadata->>'orderId' AS order_id, c.user_id, c.currency,
              (SELECT coalesce(sum(r.amount), 0)::bigint FROM refunds r WHERE r.charge_id = c.id) AS refunds_total
         FROM charges c`,
    ),
  ]);
  return balance(orders, charges);
}

/**
 * The rules the books keep: every charge pays for an order of ours; a paid order (refunded or not)
 * has exactly one succeeded charge, for its amount in its currency and on its shopper's account,
 * and shows what that charge's refunds gave back; a failed order has no succeeded charge; a pending
 * one has none either unless its attempt is still running; an order's lines add up to its amount;
 * a charge's refunds add up to what it says was refunded. And the money: captured − refunded = what the paid orders keep.
 */
export function balance(orders: OrderRow[], charges: ChargeRow[]): Ledger {
  const problems: string[] = [];
  const chargesByOrder = new Map<string, ChargeRow[]>();
  for (const charge of charges) {
    if (charge.amount_refunded !== charge.refunds_total) {
      problems.push(`charge ${charge.id} says ${charge.amount_refunded} was refunded, its refunds add up to ${charge.refunds_total}`);
    }
    if (!charge.order_id) {
      problems.push(`charge ${charge.id} names no order`);
      continue;
    }
    chargesByOrder.set(charge.order_id, [...(chargesByOrder.get(charge.order_id) ?? []), charge]);
  }
  const ordersById = new Map(orders.map((order) => [order.id, order]));
  let duplicates = 0;
  let chargedButPending = 0;
  const unfinished: string[] = [];
  let inFlight = 0;
  let refundsNotShown = 0;

  for (const order of orders) {
    const succeeded = (chargesByOrder.get(order.id) ?? []).filter((charge) => charge.status === 'succeeded');
    if (succeeded.length > 1) {
      duplicates += 1;
      problems.push(`order ${order.id} was charged ${succeeded.length} times`);
    }
    if (order.lines === 0 || order.items_total !== order.amount) {
      problems.push(`order ${order.id} is for ${order.amount} but its ${order.lines} lines add up to ${order.items_total}`);
    }
    if (PAID.has(order.status)) {
      const charge = succeeded.find((candidate) => candidate.id === order.charge_id);
      if (!charge)
        problems.push(`order ${order.id} is ${order.status} by charge ${order.charge_id}, which is not a succeeded charge for it`);
      else if (charge.amount !== order.amount) problems.push(`order ${order.id} is for ${order.amount} but was charged ${charge.amount}`);
      // An amount means nothing without its currency, and the payment is the shopper's only on their account.
      else if (charge.currency !== order.currency) {
        problems.push(`order ${order.id} is for ${order.amount} ${order.currency} but was charged ${charge.amount} ${charge.currency}`);
      } else if (charge.user_id !== order.user_id) {
        problems.push(`order ${order.id} is shopper ${order.user_id}'s but was charged to shopper ${charge.user_id}`);
      } else if (charge.amount_refunded !== order.amount_refunded) {
        if (order.amount_refunded < charge.amount_refunded) refundsNotShown += 1;
        problems.push(`order ${order.id} shows ${order.amount_refunded} refunded, its charge ${charge.amount_refunded}`);
      }
    } else if (order.status === 'failed') {
      if (succeeded.length > 0) problems.push(`order ${order.id} failed but was charged`);
    } else if (order.attempt_active) {
      inFlight += 1;
    } else if (succeeded.length > 0) {
      chargedButPending += 1;
      problems.push(`order ${order.id} was charged but is still pending`);
    } else {
      unfinished.push(order.id);
    }
  }
  for (const [orderId, orderCharges] of chargesByOrder) {
    if (!ordersById.has(orderId)) problems.push(`${orderCharges.length} charge(s) for order ${orderId}, which does not exist`);
  }

  const succeededCharges = charges.filter((charge) => charge.status === 'succeeded');
  const captured = sum(succeededCharges.map((charge) => charge.amount));
  const refunded = sum(charges.map((charge) => charge.refunds_total));
  const paidOrders = orders.filter((order) => PAID.has(order.status));
  const keptByOrders = sum(paidOrders.map((order) => order.amount - order.amount_refunded));
  // Checkouts still being paid may hold money already; the books are judged once they settle.
  if (inFlight === 0 && captured - refunded !== keptByOrders) {
    problems.push(`captured ${captured} − refunded ${refunded} = ${captured - refunded}, but the paid orders keep ${keptByOrders}`);
  }

  const count = (status: OrderStatus) => orders.filter((order) => order.status === status).length;
  return {
    orders: {
      pending: count('pending'),
      paid: count('paid'),
      partially_refunded: count('partially_refunded'),
      refunded: count('refunded'),
      failed: count('failed'),
    },
    charges: { succeeded: succeededCharges.length, failed: charges.length - succeededCharges.length },
    money: { captured, refunded, kept: captured - refunded, keptByOrders },
    duplicates,
    chargedButPending,
    unfinished,
    inFlight,
    refundsNotShown,
    problems,
  };
}

/** What `npm run reconcile` prints of `ledger`: the counts, the unfinished orders, the money, every difference. */
export function ledgerReport(ledger: Ledger): string {
  const { orders, charges, money } = ledger;
  const lines = [
    `orders: ${orders.paid} paid, ${orders.partially_refunded} partially refunded, ${orders.refunded} refunded, ${orders.failed} failed, ${orders.pending} pending (${ledger.inFlight} being paid now)`,
    ...(ledger.unfinished.length > 0
      ? [
          `unfinished (pending, nothing charged, no attempt running; the shopper's next checkout settles it): ${ledger.unfinished.join(', ')}`,
        ]
      : []),
    `charges: ${charges.succeeded} succeeded, ${charges.failed} failed`,
    `money (minor units): captured ${money.captured} − refunded ${money.refunded} = ${money.kept}; paid orders keep ${money.keptByOrders}`,
    ledger.problems.length === 0 ? 'no differences' : `${ledger.problems.length} difference(s):`,
    ...ledger.problems.map((problem) => `  ${problem}`),
    // The difference an operator meets right after refunding: say it may be lag, and how to wait it out.
    ...(ledger.refundsNotShown > 0
      ? [
          `${ledger.refundsNotShown} order(s) do not show every refund of their charge yet: cart reads payment's refund feed every REFUND_SYNC_INTERVAL_MS (5 s by default); --wait 30 compares again until they do`,
        ]
      : []),
  ];
  return `${lines.join('\n')}\n`;
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
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
