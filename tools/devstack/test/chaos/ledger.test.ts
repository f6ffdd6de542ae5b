import { describe, expect, it } from 'vitest';
import { balance } from '../../src/chaos/ledger.ts';

type OrderRow = Parameters<typeof balance>[0][number];
type ChargeRow = Parameters<typeof balance>[1][number];

const order = (id: string, status: OrderRow['status'], chargeId: string | null = null, amount = 500): OrderRow => ({
  id,
  status,
  amount,
  charge_id: chargeId,
  lines: 1,
  items_total: amount,
});
const charge = (id: string, orderId: string | null, status: ChargeRow['status'] = 'succeeded', amount = 500): ChargeRow => ({
  id,
  status,
  amount,
  order_id: orderId,
});

describe('balance (orders against charges)', () => {
  it('balances paid orders with one charge each, failed ones with a failed charge, and pending ones never charged', () => {
    const ledger = balance(
      [order('o1', 'paid', 'c1'), order('o2', 'failed'), order('o3', 'pending')],
      [charge('c1', 'o1'), charge('c2', 'o2', 'failed')],
    );
    expect(ledger).toEqual({
      orders: { paid: 1, failed: 1, pending: 1 },
      charges: { succeeded: 1, failed: 1 },
      duplicates: 0,
      chargedButPending: 0,
      unfinished: 1,
      problems: [],
    });
  });

  it('names every way the books can be half-written or doubled', () => {
    const ledger = balance(
      [
        order('twice', 'paid', 'c1'),
        order('wrong-charge', 'paid', 'c-other'),
        order('short', 'paid', 'c4', 700),
        order('failed-but-charged', 'failed'),
        order('charged-pending', 'pending'),
        { ...order('no-lines', 'pending'), lines: 0, items_total: 0 },
      ],
      [
        charge('c1', 'twice'),
        charge('c2', 'twice'),
        charge('c3', 'wrong-charge'),
        charge('c4', 'short', 'succeeded', 600),
        charge('c5', 'failed-but-charged'),
        charge('c6', 'charged-pending'),
        charge('c7', 'ghost'),
        charge('c8', null),
      ],
    );
    expect(ledger.duplicates).toBe(1);
    expect(ledger.chargedButPending).toBe(1);
    expect(ledger.problems.sort()).toEqual(
      [
        'charge c8 names no order',
        'order twice was charged 2 times',
        'order wrong-charge is paid by charge c-other, which is not a succeeded charge for it',
        'order short is for 700 but was charged 600',
        'order failed-but-charged failed but was charged',
        'order charged-pending was charged but is still pending',
        'order no-lines is for 500 but its 0 lines add up to 0',
        '1 charge(s) for order ghost, which does not exist',
      ].sort(),
    );
  });
});
