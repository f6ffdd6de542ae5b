import { randomUUID } from 'node:crypto';
import { crossUserAccess, tableState } from '@myshop/testing';
import { describe, expect, it } from 'vitest';
import { buildPayment, chargeBody, createCharge, createRefund } from '../helpers.ts';

const TABLES = ['charges', 'refunds', 'idempotency_keys'];

describe("another user's charges and refunds", () => {
  it('are 404 to a second user for reads, exactly like unknown ids; refunds are no shopper’s (403); nothing changes', async () => {
    const { app, signIn, signInOperator, database } = await buildPayment();
    const ada = await signIn();
    const eve = await signIn();
    const key = `ada-${randomUUID()}`;
    const charge = await createCharge(app, ada, chargeBody(), key);
    const chargeId = charge.json().id as string;
    expect((await createRefund(app, await signInOperator(), chargeId, { amount: 500 })).statusCode).toBe(201);

    const result = await crossUserAccess({
      service: 'payment',
      app,
      state: tableState(database, TABLES),
      calls: [
        { method: 'GET', url: `/payment/charges/${chargeId}`, headers: eve.headers, code: 'PAYMENT_CHARGE_NOT_FOUND' },
        { method: 'GET', url: `/payment/charges/${chargeId.toUpperCase()}`, headers: eve.headers, code: 'PAYMENT_CHARGE_NOT_FOUND' },
      ],
    });
    expect(result.problems).toEqual([]);
    const before = await tableState(database, TABLES)();
    for (const payload of [{}, { amount: 1 }]) {
      const refund = await createRefund(app, eve, chargeId, payload);
      expect(refund.statusCode).toBe(403);
      expect(refund.json().code).toBe('AUTH_FORBIDDEN');
    }
    expect(await tableState(database, TABLES)()).toBe(before);

    const ofAda = await app.inject({ url: `/payment/charges/${chargeId}`, headers: eve.headers });
    const unknown = await app.inject({ url: `/payment/charges/${randomUUID()}`, headers: eve.headers });
    expect(ofAda.json()).toEqual(unknown.json());
    expect((await app.inject({ url: '/payment/charges', headers: eve.headers })).json()).toEqual({ items: [], nextCursor: null });

    // Ada's Idempotency-Key is hers: Eve sending the same key and body makes a charge of her own, no replay of Ada's.
    const eveCharge = await createCharge(app, eve, chargeBody(), key);
    expect(eveCharge.statusCode).toBe(201);
    expect(eveCharge.headers['idempotent-replayed']).toBeUndefined();
    expect(eveCharge.json().id).not.toBe(chargeId);

    const [adaCharge] = await database.query('SELECT user_id, amount_refunded::int FROM charges WHERE id = $1', [chargeId]);
    expect(adaCharge).toEqual({ user_id: ada.id, amount_refunded: 500 });
  });
});

describe('mass assignment', () => {
  const cases: Array<[string, 'charge' | 'refund', Record<string, unknown>, string]> = [
    ['status', 'charge', chargeBody({ status: 'succeeded' }), 'body/status is not allowed'],
    ['id', 'charge', chargeBody({ id: randomUUID() }), 'body/id is not allowed'],
    ['userId', 'charge', chargeBody({ userId: 'someone-else' }), 'body/userId is not allowed'],
    ['amountRefunded', 'charge', chargeBody({ amountRefunded: 2500 }), 'body/amountRefunded is not allowed'],
    ['failureCode', 'charge', chargeBody({ failureCode: null }), 'body/failureCode is not allowed'],
    ['card brand', 'charge', chargeBody({ card: { ...chargeBody().card, brand: 'amex' } }), 'body/card/brand is not allowed'],
    ['chargeId on a refund', 'refund', { amount: 100, chargeId: randomUUID() }, 'body/chargeId is not allowed'],
    ['userId on a refund', 'refund', { amount: 100, userId: 'someone-else' }, 'body/userId is not allowed'],
    ['status on a refund', 'refund', { status: 'succeeded' }, 'body/status is not allowed'],
  ];

  it.each(cases)('refuses %s with 400 naming the field, and stores nothing', async (_name, route, payload, message) => {
    const { app, signIn, signInOperator, database } = await buildPayment();
    const user = await signIn();
    const operator = await signInOperator();
    const chargeId = (await createCharge(app, user)).json().id as string;
    const state = tableState(database, TABLES);
    const before = await state();
    const response = route === 'charge' ? await createCharge(app, user, payload) : await createRefund(app, operator, chargeId, payload);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ statusCode: 400, code: 'FST_ERR_VALIDATION', error: 'Bad Request', message });
    expect(await state()).toBe(before);
  });
});
