import { httpClient } from '@myshop/testing';
import { describe, expect, it } from 'vitest';
import { encodeCursor } from '@myshop/schemas';
import { buildPayment, chargeBody, createCharge } from '../helpers.ts';

describe('GET /payment/charges', () => {
  it("lists only the caller's charges, newest first", async () => {
    const { app, signIn } = await buildPayment();
    const api = await httpClient(app);
    const alice = await signIn();
    const bob = await signIn();
    for (const amount of [100, 200, 300]) await createCharge(app, alice, chargeBody({ amount }));
    await createCharge(app, bob, chargeBody({ amount: 999 }));

    const response = await api.get('/payment/charges').set(alice.headers);

    expect(response.status).toBe(200);
    const page = response.body;
    expect(page.items.map((charge: { amount: number }) => charge.amount)).toEqual([300, 200, 100]);
    expect(page.items[0]).toEqual(expect.objectContaining({ status: 'succeeded', card: { brand: 'visa', last4: '4242' } }));
    expect(page.nextCursor).toBeNull();
  });

  it('answers a user without charges with an empty page', async () => {
    const { app, signIn } = await buildPayment();
    const api = await httpClient(app);

    const response = await api.get('/payment/charges').set((await signIn()).headers);

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ items: [], nextCursor: null });
  });

  it('pages with limit and an opaque cursor, without gaps or repeats, even for charges made in the same instant', async () => {
    const { app, database, signIn } = await buildPayment();
    const api = await httpClient(app);
    const alice = await signIn();
    for (let amount = 1; amount <= 7; amount += 1) await createCharge(app, alice, chargeBody({ amount }));
    // Ties on created_at are broken by id: make three of them share one timestamp.
    await database.query("UPDATE charges SET created_at = '2030-01-01T00:00:00.000Z' WHERE amount IN (3, 4, 5)");
    const expected = (await database.query<{ amount: string }>('SELECT amount FROM charges ORDER BY created_at DESC, id DESC')).map((row) =>
      Number(row.amount),
    );

    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor ? `?limit=3&cursor=${cursor}` : '?limit=3';
      const response = await api.get(`/payment/charges${query}`).set(alice.headers);
      expect(response.status).toBe(200);
      const page = response.body as { items: Array<{ amount: number }>; nextCursor: string | null };
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((charge) => charge.amount));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor);

    expect(pages).toBe(3);
    expect(seen).toEqual(expected);
    expect(seen.slice(0, 3).sort()).toEqual([3, 4, 5]);
  });

  it('gives no next cursor when the last page is exactly full', async () => {
    const { app, signIn } = await buildPayment();
    const api = await httpClient(app);
    const alice = await signIn();
    for (const amount of [1, 2]) await createCharge(app, alice, chargeBody({ amount }));

    const response = await api.get('/payment/charges?limit=2').set(alice.headers);

    expect(response.body).toMatchObject({ nextCursor: null });
    expect(response.body.items).toHaveLength(2);
  });

  it('pages by 20 without a limit', async () => {
    const { app, signIn } = await buildPayment();
    const api = await httpClient(app);
    const alice = await signIn();
    for (let amount = 1; amount <= 21; amount += 1) await createCharge(app, alice, chargeBody({ amount }));

    const first = await api.get('/payment/charges').set(alice.headers);
    const rest = await api.get(`/payment/charges?cursor=${first.body.nextCursor}`).set(alice.headers);

    expect(first.body.items).toHaveLength(20);
    expect(rest.body.items).toHaveLength(1);
    expect(rest.body.nextCursor).toBeNull();
    const amounts = [...first.body.items, ...rest.body.items].map((charge: { amount: number }) => charge.amount);
    expect(amounts.sort((a, b) => a - b)).toEqual(Array.from({ length: 21 }, (_, index) => index + 1));
  });

  it("does not let a cursor reach into another user's charges", async () => {
    const { app, database, signIn } = await buildPayment();
    const api = await httpClient(app);
    const alice = await signIn();
    const bob = await signIn();
    await createCharge(app, alice, chargeBody());
    const [aliceCharge] = await database.query<{ id: string; created_at: Date }>('SELECT id, created_at FROM charges');
    const cursor = encodeCursor([new Date(aliceCharge!.created_at.getTime() + 1000).toISOString(), aliceCharge!.id]);

    const response = await api.get(`/payment/charges?cursor=${cursor}`).set(bob.headers);

    expect(response.body).toEqual({ items: [], nextCursor: null });
  });

  it.each([
    ['limit=0', 'querystring/limit must be >= 1'],
    ['limit=101', 'querystring/limit must be <= 100'],
    ['limit=ten', 'querystring/limit must be integer'],
    ['sort=asc', 'querystring/sort is not allowed'],
  ])('refuses ?%s with 400', async (query, message) => {
    const { app, signIn } = await buildPayment();
    const api = await httpClient(app);

    const response = await api.get(`/payment/charges?${query}`).set((await signIn()).headers);

    expect(response.status).toBe(400);
    expect(response.body).toEqual({ statusCode: 400, code: 'FST_ERR_VALIDATION', error: 'Bad Request', message });
  });

  it.each([
    ['not base64 JSON', 'bm90IGpzb24'],
    ['the wrong shape', Buffer.from(JSON.stringify({ a: 1 })).toString('base64url')],
    ['a bad timestamp', Buffer.from(JSON.stringify(['2030-13-45', '1b4e28ba-2fa1-11d2-883f-0016d3cca427'])).toString('base64url')],
    ['a bad id', Buffer.from(JSON.stringify(['2030-01-01T00:00:00.000Z', "1' OR '1'='1"])).toString('base64url')],
    [
      'a time before any timestamptz holds',
      Buffer.from(JSON.stringify(['-004714-01-01T00:00:00.000Z', '1b4e28ba-2fa1-11d2-883f-0016d3cca427'])).toString('base64url'),
    ],
    [
      'a well-formed one with characters added',
      `${Buffer.from(JSON.stringify(['2030-01-01T00:00:00.000Z', '1b4e28ba-2fa1-11d2-883f-0016d3cca427'])).toString('base64url')}!!`,
    ],
  ])('refuses a cursor that is %s with 400 PAYMENT_INVALID_CURSOR', async (_name, cursor) => {
    const { app, signIn } = await buildPayment();
    const api = await httpClient(app);

    const response = await api.get(`/payment/charges?cursor=${cursor}`).set((await signIn()).headers);

    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: 'PAYMENT_INVALID_CURSOR' });
  });

  it('requires a Bearer token (401)', async () => {
    const { app } = await buildPayment();
    const api = await httpClient(app);

    const response = await api.get('/payment/charges');

    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toContain('Bearer');
  });
});
