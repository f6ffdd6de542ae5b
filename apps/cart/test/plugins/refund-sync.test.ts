import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { startFakePayment } from '../fake-payment.ts';
import { buildCart, card, CART_SECRET, checkout, fillCart, SOCKS } from '../helpers.ts';

async function paidOrder(env: Record<string, string> = {}) {
  const payment = await startFakePayment();
  const cart = await buildCart({ env: { PAYMENT_URL: payment.url, ...env } });
  const user = await cart.signIn();
  await fillCart(cart.app, user, [{ productId: SOCKS.id, quantity: 4 }]);
  const placed = (await checkout(cart.app, user)).json() as { orderId: string; chargeId: string; amount: number };
  const order = async () => (await cart.app.inject({ url: `/cart/orders/${placed.orderId}`, headers: user.headers })).json();
  return { ...cart, payment, user, placed, order };
}

describe('refunds on orders (the refund feed)', () => {
  it('shows a partial refund, then the rest, on the order its charge paid for', async () => {
    const { app, payment, placed, order } = await paidOrder();
    payment.refund(placed.chargeId, 1000);
    expect(await app.refundSync.runOnce()).toBe(1);
    expect(await order()).toMatchObject({ status: 'partially_refunded', amount: placed.amount, amountRefunded: 1000 });

    payment.refund(placed.chargeId, placed.amount - 1000);
    expect(await app.refundSync.runOnce()).toBe(1);
    expect(await order()).toMatchObject({ status: 'refunded', amountRefunded: placed.amount });
  });

  it('counts a refund once, however many replicas read it and however often', async () => {
    const { app, replica, payment, placed, order, database } = await paidOrder();
    const other = await replica();
    payment.refund(placed.chargeId, 500);
    await Promise.all([app.refundSync.runOnce(), other.refundSync.runOnce(), app.refundSync.runOnce()]);
    // Read again from the start, as a replica whose cursor fell behind would.
    await database.query('UPDATE refund_feed_position SET cursor = NULL');
    expect(await other.refundSync.runOnce()).toBe(0);
    expect(await order()).toMatchObject({ status: 'partially_refunded', amountRefunded: 500 });
    expect(await database.query('SELECT count(*)::int AS n FROM order_refunds')).toEqual([{ n: 1 }]);
  });

  it('reads as cart itself, with one client-credentials token kept between reads', async () => {
    const { app, payment, served } = await paidOrder();
    await app.refundSync.runOnce();
    await app.refundSync.runOnce();
    expect(payment.feedReads).toHaveLength(2);
    const claims = decodeJwt(String(payment.feedReads[0]!.headers.authorization).replace('Bearer ', ''));
    expect(claims).toMatchObject({ sub: 'cart', client_id: 'cart', aud: 'payment', scope: 'payment:refunds:read' });
    expect(claims.act).toBeUndefined();
    expect(served.tokenRequests().filter((grant) => grant === 'client_credentials')).toHaveLength(1);
  });

  it('reads the feed to its end, page after page', async () => {
    const { app, payment, placed, order } = await paidOrder();
    for (let index = 0; index < 250; index += 1) payment.refund(placed.chargeId, 10);
    expect(await app.refundSync.runOnce()).toBe(250);
    expect(await order()).toMatchObject({ status: 'partially_refunded', amountRefunded: 2500 });
  });

  it('leaves out a refund of a charge that paid for no order of ours', async () => {
    const { app, payment, database } = await paidOrder();
    payment.charges.push({ id: randomUUID(), amount: 100, key: 'elsewhere', status: 'succeeded' });
    payment.refund(payment.charges.at(-1)!.id, 100);
    expect(await app.refundSync.runOnce()).toBe(0);
    expect(await database.query('SELECT count(*)::int AS n FROM order_refunds')).toEqual([{ n: 0 }]);
  });

  it('leaves out a refund of a charge whose order failed, and goes on showing the refunds after it', async () => {
    const { app, payment, placed, order, database, user } = await paidOrder();
    // An order that failed although payment charged it (what a support refund then gives back).
    await database.query("UPDATE orders SET status = 'failed', failure_code = 'abandoned', charge_id = NULL WHERE id = $1", [
      placed.orderId,
    ]);
    payment.refund(placed.chargeId, placed.amount);
    await fillCart(app, user, [{ productId: SOCKS.id, quantity: 1 }]);
    const next = (await checkout(app, user)).json() as { orderId: string; chargeId: string };
    payment.refund(next.chargeId, 100);

    expect(await app.refundSync.runOnce()).toBe(1);

    expect(await order()).toMatchObject({ status: 'failed', amountRefunded: 0 });
    const shown = (await app.inject({ url: `/cart/orders/${next.orderId}`, headers: user.headers })).json();
    expect(shown).toMatchObject({ status: 'partially_refunded', amountRefunded: 100 });
    expect(await app.refundSync.runOnce()).toBe(0);
  });

  it('leaves out a refund of a charge whose orderId is not an order id, and goes on showing the refunds after it', async () => {
    const { app, payment, placed, order, database } = await paidOrder();
    // A charge's metadata is free text to payment: another client's charge may name anything its order.
    const elsewhere = await fetch(`${payment.url}/payment/charges`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'elsewhere' },
      body: JSON.stringify({ amount: 100, currency: 'USD', card: card(), metadata: { orderId: 'order-42' } }),
    });
    expect(elsewhere.status).toBe(201);
    payment.refund(((await elsewhere.json()) as { id: string }).id, 100);
    payment.refund(placed.chargeId, 300);

    expect(await app.refundSync.runOnce()).toBe(1);

    expect(await order()).toMatchObject({ status: 'partially_refunded', amountRefunded: 300 });
    expect(await database.query('SELECT count(*)::int AS n FROM order_refunds')).toEqual([{ n: 1 }]);
    expect(await app.refundSync.runOnce()).toBe(0);
  });

  it('fails a read when no token can be had for it (user service down), changing nothing', async () => {
    const { payment, placed, order } = await paidOrder();
    const stranded = await buildCart({ env: { PAYMENT_URL: payment.url, TOKEN_URL: 'http://127.0.0.1:9/user/oauth/token' } });
    payment.refund(placed.chargeId, 500);
    await expect(stranded.app.refundSync.runOnce()).rejects.toThrow(/no token to read refunds: POST \/user\/oauth\/token: ECONNREFUSED/);
    expect(payment.feedReads).toHaveLength(0);
    expect(await order()).toMatchObject({ amountRefunded: 0 });
  });

  it('fails a read when payment cannot answer, changing nothing', async () => {
    const { app, payment, placed, order, database } = await paidOrder();
    payment.refund(placed.chargeId, 500);
    payment.state.feedOverride = {
      statusCode: 503,
      body: { statusCode: 503, code: 'SERVICE_UNAVAILABLE', error: 'Service Unavailable', message: 'x' },
    };
    await expect(app.refundSync.runOnce()).rejects.toThrow(/refund feed unavailable: answered 503 SERVICE_UNAVAILABLE/);
    expect(await order()).toMatchObject({ status: 'paid', amountRefunded: 0 });
    expect(await database.query('SELECT cursor FROM refund_feed_position')).toEqual([{ cursor: null }]);
  });

  it('counts a failed background read and tries again the next interval', async () => {
    const { app, payment, placed, order } = await paidOrder({ REFUND_SYNC_INTERVAL_MS: '50' });
    payment.state.feedOverride = {
      statusCode: 503,
      body: { statusCode: 503, code: 'SERVICE_UNAVAILABLE', error: 'Service Unavailable', message: 'x' },
    };
    await expect
      .poll(() => app.metrics.registry.metrics(), { timeout: 5000, interval: 50 })
      .toMatch(/myshop_cart_refund_feed_reads_total\{result="failed",service="cart"\} [1-9]/);
    payment.state.feedOverride = undefined;
    payment.refund(placed.chargeId, 300);
    await expect.poll(order, { timeout: 5000, interval: 50 }).toMatchObject({ amountRefunded: 300 });
  });

  it('says in the log line of a failed background read why it failed: what payment or the token endpoint answered', async () => {
    const { payment, logs } = await paidOrder({ REFUND_SYNC_INTERVAL_MS: '50' });
    payment.state.feedOverride = {
      statusCode: 401,
      body: { statusCode: 401, code: 'AUTH_INVALID_TOKEN', error: 'Unauthorized', message: 'x' },
    };
    const failed = () => logs.lines().find((line) => line.msg === 'refunds not read this time; next try in one interval');
    await expect.poll(failed, { timeout: 5000, interval: 50 }).toBeDefined();
    // One line saying why, no stack trace: the next read cures it, whatever a newcomer's first start shows.
    expect(failed()).toMatchObject({ reason: expect.stringMatching(/^refund feed unavailable: answered 401 AUTH_INVALID_TOKEN/) });
    expect(failed()).not.toHaveProperty('err');
  });

  it('reads by itself every interval: a refund shows on its order without anyone asking', async () => {
    const { app, payment, placed, order } = await paidOrder({ REFUND_SYNC_INTERVAL_MS: '50' });
    payment.refund(placed.chargeId, 700);
    await expect.poll(order, { timeout: 5000, interval: 50 }).toMatchObject({ status: 'partially_refunded', amountRefunded: 700 });
    const metrics = await app.metrics.registry.metrics();
    expect(metrics).toMatch(/myshop_cart_refunds_recorded_total\{service="cart"\} 1/);
  });

  it('reads no more once the replica is draining: the others go on, and payment may be stopping beside it', async () => {
    const { app, payment } = await paidOrder({ REFUND_SYNC_INTERVAL_MS: '50' });
    await expect.poll(() => payment.feedReads.length, { timeout: 5000, interval: 50 }).toBeGreaterThan(0);
    app.health.startDraining();
    // A read already under way may still finish; none starts after it.
    await new Promise((resolve) => setTimeout(resolve, 150));
    const readsWhenDrained = payment.feedReads.length;
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(payment.feedReads).toHaveLength(readsWhenDrained);
  });
});

describe('the client secret outside production', () => {
  it('is read from DATA_DIR when none is configured: the file the user service shares with cart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'myshop-cart-secret-'));
    mkdirSync(join(dataDir, 'clients'));
    writeFileSync(join(dataDir, 'clients', 'cart.secret'), CART_SECRET);
    const { payment, placed } = await paidOrder({ DATA_DIR: dataDir, CLIENT_SECRET: '' });
    expect(placed.chargeId).toEqual(expect.any(String));
    expect(payment.charges).toHaveLength(1);
  });
});
