import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { checkoutLeaseMs } from '../src/app.ts';
import { lockCart } from '../src/carts-repository.ts';
import { orderRefunds } from '../src/order-refunds.ts';
import { ordersRepository } from '../src/orders-repository.ts';
import { buildCart, fillCart, SOCKS } from './helpers.ts';

/** The service's default: no test here comes near it. */
const declineLimit = { max: 10, windowSeconds: 3600 };

describe('ordersRepository.settle', () => {
  it('settles an order once: a second settlement gets the first one’s stored answer and changes nothing', async () => {
    const { app, signIn, storedCart, storedOrders } = await buildCart();
    const user = await signIn();
    await fillCart(app, user, [{ productId: SOCKS.id, quantity: 2 }]);
    const orders = ordersRepository(app.db);
    const started = await orders.start(user.id, 'key-1', { currency: 'USD', leaseMs: 10_000, cardFingerprint: 'card-a', declineLimit });
    if (started.kind !== 'attempt') throw new Error('expected a new attempt');
    const { order } = started;
    const paid = {
      statusCode: 201 as const,
      body: { orderId: order.id, status: 'paid' as const, amount: order.amount, currency: 'USD', chargeId: 'ch_1', items: order.items },
    };

    expect(await orders.settle(order, { status: 'paid', chargeId: 'ch_1', response: paid })).toEqual({ response: paid, settledNow: true });
    const declined = {
      statusCode: 402 as const,
      body: { statusCode: 402, code: 'card_declined', error: 'Payment Required', message: 'no' },
    };
    expect(await orders.settle(order, { status: 'failed', failureCode: 'card_declined', response: declined })).toEqual({
      response: paid,
      settledNow: false,
    });

    expect(await storedOrders(user)).toMatchObject([{ status: 'paid', charge_id: 'ch_1', failure_code: null }]);
    expect(await storedCart(user)).toEqual([]);
  });

  it('finds the order of a key again instead of recording another', async () => {
    const { app, signIn, database } = await buildCart();
    const user = await signIn();
    await fillCart(app, user, [{ productId: SOCKS.id, quantity: 1 }]);
    const orders = ordersRepository(app.db);
    const first = await orders.start(user.id, 'key-2', { currency: 'USD', leaseMs: 0, cardFingerprint: 'card-a', declineLimit });
    const second = await orders.start(user.id, 'key-2', { currency: 'USD', leaseMs: 0, cardFingerprint: 'card-a', declineLimit });
    expect(first).toMatchObject({ kind: 'attempt', resumed: false });
    expect(second).toMatchObject({ kind: 'attempt', resumed: true });
    if (first.kind === 'attempt' && second.kind === 'attempt') expect(second.order).toEqual({ ...first.order, attempt: 2 });
    expect(await database.query('SELECT count(*)::int AS n FROM orders')).toEqual([{ n: 1 }]);
  });

  it.each([
    ['part of it', 'partially_refunded', 400],
    ['all of it', 'refunded', 2 * SOCKS.price],
  ])('shows a refund of %s that came before the order was settled: pending meanwhile, then %s', async (_name, status, amount) => {
    const { app, signIn, storedOrders } = await buildCart();
    const user = await signIn();
    await fillCart(app, user, [{ productId: SOCKS.id, quantity: 2 }]);
    const orders = ordersRepository(app.db);
    const started = await orders.start(user.id, 'key-1', { currency: 'USD', leaseMs: 10_000, cardFingerprint: 'card-a', declineLimit });
    if (started.kind !== 'attempt') throw new Error('expected a new attempt');
    const { order } = started;
    // Payment charged, an operator refunded, and the feed brought the refund before the checkout heard back.
    const refund = { id: randomUUID(), chargeId: 'ch_1', orderId: order.id, amount, createdAt: new Date().toISOString() };
    expect(await orderRefunds(app.db).apply([refund], 'cursor-1')).toEqual([{ orderId: order.id, amount, refunds: 1 }]);
    expect(await storedOrders(user)).toMatchObject([{ status: 'pending', charge_id: null }]);

    const paid = {
      statusCode: 201 as const,
      body: { orderId: order.id, status: 'paid' as const, amount: order.amount, currency: 'USD', chargeId: 'ch_1', items: order.items },
    };
    expect(await orders.settle(order, { status: 'paid', chargeId: 'ch_1', response: paid })).toEqual({ response: paid, settledNow: true });

    expect(await storedOrders(user)).toMatchObject([{ status, charge_id: 'ch_1' }]);
    expect(await orders.find(user.id, order.id)).toMatchObject({ status, amount: order.amount, amountRefunded: amount });
  });
});

describe('a checkout attempt’s lease', () => {
  it('outlasts a payment call: two tries of PAYMENT_TIMEOUT_MS (one broken on the way is sent again)', () => {
    for (const timeoutMs of [1000, 5000, 30_000]) expect(checkoutLeaseMs(timeoutMs)).toBeGreaterThan(2 * timeoutMs);
  });

  it.each([
    ['a new order', false],
    ['an order resumed once an earlier attempt’s lease ran out', true],
  ])('runs from when it is taken, for %s: the wait for the cart’s lock does not eat into it', async (_name, resumed) => {
    const { app, signIn, database } = await buildCart();
    const user = await signIn();
    await fillCart(app, user, [{ productId: SOCKS.id, quantity: 1 }]);
    const orders = ordersRepository(app.db);
    if (resumed) await orders.start(user.id, 'key-1', { currency: 'USD', leaseMs: 0, cardFingerprint: 'card-a', declineLimit });
    // Another change of the cart holds its lock for a while as the checkout starts.
    let locked!: () => void;
    const lockHeld = new Promise<void>((resolve) => (locked = resolve));
    const holder = app.db.transaction(async (tx) => {
      await lockCart(tx, user.id);
      locked();
      await sleep(800);
    });
    await lockHeld;
    const started = await orders.start(user.id, 'key-1', { currency: 'USD', leaseMs: 1000, cardFingerprint: 'card-a', declineLimit });
    await holder;

    expect(started).toMatchObject({ kind: 'attempt', resumed });
    // The attempt's transaction began (updated_at is its now()) before the wait for the lock: a
    // lease run from there would end exactly leaseMs after it. Measured in the database's own
    // times, not against the clock after the fact, which a busy machine moves.
    const [{ beyondLease }] = (await database.query<{ beyondLease: number }>(
      `SELECT (extract(epoch FROM attempt_expires_at - updated_at) * 1000 - 1000)::float8 AS "beyondLease" FROM orders`,
    )) as [{ beyondLease: number }];
    expect(beyondLease).toBeGreaterThan(100);
  });

  it('is ended only by the attempt holding it: a late attempt’s release leaves the lease of the one that took over', async () => {
    const { app, signIn } = await buildCart();
    const user = await signIn();
    await fillCart(app, user, [{ productId: SOCKS.id, quantity: 1 }]);
    const orders = ordersRepository(app.db);
    const late = await orders.start(user.id, 'key-1', { currency: 'USD', leaseMs: 0, cardFingerprint: 'card-a', declineLimit });
    // Its lease ran out: a retry with the key takes the order over and talks to payment.
    const current = await orders.start(user.id, 'key-1', { currency: 'USD', leaseMs: 60_000, cardFingerprint: 'card-a', declineLimit });
    if (late.kind !== 'attempt' || current.kind !== 'attempt') throw new Error('expected two attempts');
    expect([late.order.attempt, current.order.attempt]).toEqual([1, 2]);

    // The late attempt hears nothing final and releases the order.
    await orders.release(late.order);

    // The current attempt still holds it: a third is told to wait, not let in beside it.
    await expect(
      orders.start(user.id, 'key-1', { currency: 'USD', leaseMs: 60_000, cardFingerprint: 'card-a', declineLimit }),
    ).rejects.toMatchObject({
      statusCode: 409,
      code: 'CART_CHECKOUT_IN_PROGRESS',
    });
    await orders.release(current.order);
    expect(
      await orders.start(user.id, 'key-1', { currency: 'USD', leaseMs: 60_000, cardFingerprint: 'card-a', declineLimit }),
    ).toMatchObject({
      kind: 'attempt',
      resumed: true,
    });
  });
});
