import { describe, expect, it } from 'vitest';
import { ordersRepository } from '../src/orders-repository.ts';
import { buildCart, fillCart, SOCKS } from './helpers.ts';

describe('ordersRepository.settle', () => {
  it('settles an order once: a second settlement gets the first one’s stored answer and changes nothing', async () => {
    const { app, signIn, storedCart, storedOrders } = await buildCart();
    const user = await signIn();
    await fillCart(app, user, [{ productId: SOCKS.id, quantity: 2 }]);
    const orders = ordersRepository(app.db);
    const started = await orders.start(user.id, 'key-1', { currency: 'USD', leaseMs: 10_000, cardFingerprint: 'card-a' });
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
    const first = await orders.start(user.id, 'key-2', { currency: 'USD', leaseMs: 0, cardFingerprint: 'card-a' });
    const second = await orders.start(user.id, 'key-2', { currency: 'USD', leaseMs: 0, cardFingerprint: 'card-a' });
    expect(first).toMatchObject({ kind: 'attempt', resumed: false });
    expect(second).toMatchObject({ kind: 'attempt', resumed: true });
    if (first.kind === 'attempt' && second.kind === 'attempt') expect(second.order).toEqual(first.order);
    expect(await database.query('SELECT count(*)::int AS n FROM orders')).toEqual([{ n: 1 }]);
  });
});
