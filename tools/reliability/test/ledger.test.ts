import { describe, expect, it } from 'vitest';
import { balance, ledgerReport, type ChargeRow, type OrderRow } from '../src/ledger.ts';

const order = (id: string, status: OrderRow['status'], chargeId: string | null = null, amount = 500, refunded = 0): OrderRow => ({
  id,
  status,
  amount,
  amount_refunded: refunded,
  charge_id: chargeId,
  user_id: 'u1',
  currency: 'USD',
  lines: 1,
  items_total: amount,
  attempt_active: false,
});
const charge = (id: string, orderId: string | null, status: ChargeRow['status'] = 'succeeded', amount = 500, refunded = 0): ChargeRow => ({
  id,
  status,
  amount,
  amount_refunded: refunded,
  refunds_total: refunded,
  order_id: orderId,
  user_id: 'u1',
  currency: 'USD',
});

describe('balance (orders against charges and refunds)', () => {
  it('balances paid and refunded orders with one charge each, failed ones with a failed charge, pending ones never charged', () => {
    const ledger = balance(
      [
        order('o1', 'paid', 'c1'),
        order('o2', 'failed'),
        order('o3', 'pending'),
        order('o4', 'partially_refunded', 'c4', 500, 200),
        order('o5', 'refunded', 'c5', 300, 300),
      ],
      [
        charge('c1', 'o1'),
        charge('c2', 'o2', 'failed'),
        charge('c4', 'o4', 'succeeded', 500, 200),
        charge('c5', 'o5', 'succeeded', 300, 300),
      ],
    );
    expect(ledger).toEqual({
      orders: { pending: 1, paid: 1, partially_refunded: 1, refunded: 1, failed: 1 },
      charges: { succeeded: 3, failed: 1 },
      money: { captured: 1300, refunded: 500, kept: 800, keptByOrders: 800 },
      duplicates: 0,
      chargedButPending: 0,
      unfinished: ['o3'],
      inFlight: 0,
      refundsNotShown: 0,
      problems: [],
    });
  });

  it('names every way the books can be half-written, doubled or out of step', () => {
    const ledger = balance(
      [
        order('twice', 'paid', 'c1'),
        order('wrong-charge', 'paid', 'c-other'),
        order('short', 'paid', 'c4', 700),
        order('failed-but-charged', 'failed'),
        order('charged-pending', 'pending'),
        { ...order('no-lines', 'pending'), lines: 0, items_total: 0 },
        order('refund-not-shown', 'paid', 'c9'),
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
        { ...charge('c9', 'refund-not-shown', 'succeeded', 500, 100), refunds_total: 150 },
      ],
    );
    expect(ledger.duplicates).toBe(1);
    expect(ledger.chargedButPending).toBe(1);
    expect(ledger.problems.sort()).toEqual(
      [
        'charge c8 names no order',
        'charge c9 says 100 was refunded, its refunds add up to 150',
        'order twice was charged 2 times',
        'order wrong-charge is paid by charge c-other, which is not a succeeded charge for it',
        'order short is for 700 but was charged 600',
        'order failed-but-charged failed but was charged',
        'order charged-pending was charged but is still pending',
        'order no-lines is for 500 but its 0 lines add up to 0',
        'order refund-not-shown shows 0 refunded, its charge 100',
        '1 charge(s) for order ghost, which does not exist',
        'captured 4600 − refunded 150 = 4450, but the paid orders keep 2200',
      ].sort(),
    );
  });

  it('names a paid order charged in another currency, or to another shopper, for its very amount', () => {
    const ledger = balance(
      [order('yen', 'paid', 'c1'), order('mallory', 'paid', 'c2')],
      [
        { ...charge('c1', 'yen'), currency: 'JPY' },
        { ...charge('c2', 'mallory'), user_id: 'u2' },
      ],
    );
    expect(ledger.problems).toEqual([
      'order yen is for 500 USD but was charged 500 JPY',
      "order mallory is shopper u1's but was charged to shopper u2",
    ]);
  });

  it('leaves a checkout being paid right now out of the differences and of the money', () => {
    const ledger = balance([{ ...order('o1', 'pending'), attempt_active: true }], [charge('c1', 'o1')]);
    expect(ledger).toMatchObject({ inFlight: 1, chargedButPending: 0, problems: [] });
  });
});

describe('ledgerReport (what npm run reconcile prints)', () => {
  it('gives the counts, names the unfinished orders, the money, and every difference', () => {
    const ledger = balance(
      [order('o1', 'paid', 'c1'), order('o2', 'pending'), order('o3', 'pending'), { ...order('o4', 'pending'), attempt_active: true }],
      [charge('c1', 'o1'), charge('c9', null)],
    );
    expect(ledgerReport(ledger).split('\n')).toEqual([
      'orders: 1 paid, 0 partially refunded, 0 refunded, 0 failed, 3 pending (1 being paid now)',
      "unfinished (pending, nothing charged, no attempt running; the shopper's next checkout settles it): o2, o3",
      'charges: 2 succeeded, 0 failed',
      'money (minor units): captured 1000 − refunded 0 = 1000; paid orders keep 500',
      '1 difference(s):',
      '  charge c9 names no order',
      '',
    ]);
  });

  it('says when an order lags its refund (cart has not read the refund feed yet) and how to wait for it', () => {
    const ledger = balance([order('o1', 'partially_refunded', 'c1', 500, 100)], [charge('c1', 'o1', 'succeeded', 500, 150)]);
    expect(ledger.refundsNotShown).toBe(1);
    expect(ledgerReport(ledger).split('\n').slice(-5)).toEqual([
      '2 difference(s):',
      '  order o1 shows 100 refunded, its charge 150',
      '  captured 500 − refunded 150 = 350, but the paid orders keep 400',
      "1 order(s) do not show every refund of their charge yet: cart reads payment's refund feed every REFUND_SYNC_INTERVAL_MS (5 s by default); --wait 30 compares again until they do",
      '',
    ]);
  });

  it('says there is no difference, and leaves the unfinished line out when there is none', () => {
    const report = ledgerReport(balance([order('o1', 'paid', 'c1')], [charge('c1', 'o1')]));
    expect(report).not.toContain('unfinished');
    expect(report.trimEnd().split('\n').at(-1)).toBe('no differences');
  });
});
