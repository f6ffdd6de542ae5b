import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildPayment, chargeBody, createCharge, createRefund } from '../helpers.ts';

describe('GET /payment/charges/:id', () => {
  it("answers the caller's own charge with 200, as it is now", async () => {
    const { app, signIn, signInOperator } = await buildPayment();
    const alice = await signIn();
    const created = (await createCharge(app, alice, chargeBody({ amount: 5_000, description: 'Order 9' }))).json();
    await createRefund(app, await signInOperator(), created.id, { amount: 1_500 });

    const response = await app.inject({ url: `/payment/charges/${created.id}`, headers: alice.headers });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ ...created, amountRefunded: 1_500 });
  });

  it.each([
    ["another user's charge", 'other'],
    ['an unknown id', randomUUID()],
    ['a malformed id', 'not-a-uuid'],
  ])('answers %s with 404 PAYMENT_CHARGE_NOT_FOUND', async (_name, target) => {
    const { app, signIn } = await buildPayment();
    const alice = await signIn();
    const bob = await signIn();
    const aliceCharge = (await createCharge(app, alice, chargeBody())).json();

    const response = await app.inject({ url: `/payment/charges/${target === 'other' ? aliceCharge.id : target}`, headers: bob.headers });

    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ statusCode: 404, code: 'PAYMENT_CHARGE_NOT_FOUND', error: 'Not Found', message: 'Charge not found' });
  });

  it('requires a Bearer token (401)', async () => {
    const { app } = await buildPayment();

    const response = await app.inject({ url: `/payment/charges/${randomUUID()}` });

    expect(response.statusCode).toBe(401);
  });
});

describe('GET /payment/charges/:id for an operator', () => {
  it('shows any shopper’s charge, so that it can be refunded', async () => {
    const { app, signIn, signInOperator } = await buildPayment();
    const alice = await signIn();
    const created = (await createCharge(app, alice, chargeBody())).json();
    const operator = await signInOperator();

    const response = await app.inject({ url: `/payment/charges/${created.id}`, headers: operator.headers });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual(created);
  });
});
