import { httpClient } from '@myshop/testing';
import { describe, expect, it } from 'vitest';
import { startFakePayment } from '../fake-payment.ts';
import { buildCart, card, checkout, DECLINED_CARD, fillCart, SOCKS, TSHIRT } from '../helpers.ts';

async function setUp() {
  const payment = await startFakePayment();
  const cart = await buildCart({ env: { PAYMENT_URL: payment.url } });
  return { ...cart, payment };
}

describe('GET /cart/orders', () => {
  it("lists the caller's orders newest first, paid and failed, with their lines", async () => {
    const { app, signIn } = await setUp();
    const api = await httpClient(app);
    const user = await signIn();
    await fillCart(app, user, [{ productId: SOCKS.id, quantity: 1 }]);
    const paid = (await checkout(app, user)).json();
    await fillCart(app, user, [{ productId: TSHIRT.id, quantity: 2 }]);
    const declined = await checkout(app, user, { card: card({ number: DECLINED_CARD }) });
    expect(declined.statusCode).toBe(402);

    const response = await api.get('/cart/orders').set(user.headers);
    expect(response.status).toBe(200);
    const body = response.body;
    expect(body.nextCursor).toBeNull();
    expect(body.items).toEqual([
      {
        id: expect.any(String),
        status: 'failed',
        amount: 2 * TSHIRT.price,
        amountRefunded: 0,
        currency: 'USD',
        chargeId: null,
        failureCode: 'card_declined',
        items: [{ productId: TSHIRT.id, name: TSHIRT.name, quantity: 2, unitPrice: TSHIRT.price, lineTotal: 2 * TSHIRT.price }],
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      },
      {
        id: paid.orderId,
        status: 'paid',
        amount: SOCKS.price,
        amountRefunded: 0,
        currency: 'USD',
        chargeId: paid.chargeId,
        failureCode: null,
        items: paid.items,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      },
    ]);
  });

  it('pages through many orders with an opaque cursor, each once', async () => {
    const { app, signIn } = await setUp();
    const api = await httpClient(app);
    const user = await signIn();
    const ids: string[] = [];
    for (let index = 0; index < 5; index += 1) {
      await fillCart(app, user, [{ productId: SOCKS.id, quantity: 1 }]);
      ids.unshift((await checkout(app, user)).json().orderId);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url = `/cart/orders?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = (await api.get(url).set(user.headers)).body as { items: Array<{ id: string }>; nextCursor: string | null };
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((order) => order.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(ids);
  });

  it('makes its cursor of the caller’s own order id: no shop-wide counter shows, and another user’s cursor gives nothing', async () => {
    const { app, signIn } = await setUp();
    const api = await httpClient(app);
    const [alice, bob] = [await signIn(), await signIn()];
    // Bob's order is older than Alice's: were her cursor's place read for him, it would show.
    for (const user of [bob, alice, alice]) {
      await fillCart(app, user, [{ productId: SOCKS.id, quantity: 1 }]);
      expect((await checkout(app, user)).statusCode).toBe(201);
    }
    const page = (await api.get('/cart/orders?limit=1').set(alice.headers)).body;
    const decoded = JSON.parse(Buffer.from(page.nextCursor, 'base64url').toString());
    expect(decoded).toEqual([page.items[0].id]);
    // Bob replaying Alice's cursor learns nothing of her orders: not even when one was placed.
    const replayed = await api.get(`/cart/orders?cursor=${page.nextCursor}`).set(bob.headers);
    expect(replayed.body).toEqual({ items: [], nextCursor: null });
    expect((await api.get('/cart/orders').set(bob.headers)).body.items).toHaveLength(1);
  });

  it("never lists another user's orders", async () => {
    const { app, signIn } = await setUp();
    const api = await httpClient(app);
    const alice = await signIn();
    const bob = await signIn();
    await fillCart(app, alice, [{ productId: SOCKS.id, quantity: 1 }]);
    expect((await checkout(app, alice)).statusCode).toBe(201);
    const response = await api.get('/cart/orders').set(bob.headers);
    expect(response.body).toEqual({ items: [], nextCursor: null });
  });

  it.each([
    'cursor=bm9wZQ',
    `cursor=${Buffer.from('["1"]').toString('base64url')}`,
    `cursor=${Buffer.from('[-1]').toString('base64url')}`,
    'limit=500',
  ])('answers 400 for ?%s', async (query) => {
    const { app, signIn } = await setUp();
    const api = await httpClient(app);
    const user = await signIn();
    const response = await api.get(`/cart/orders?${query}`).set(user.headers);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ statusCode: 400 });
  });

  it('answers 401 without a token', async () => {
    const { app } = await setUp();
    const api = await httpClient(app);
    expect((await api.get('/cart/orders')).status).toBe(401);
  });
});
