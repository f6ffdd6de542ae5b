import { randomUUID } from 'node:crypto';
import { httpClient } from '@myshop/testing';
import { describe, expect, it } from 'vitest';
import { buildPayment, chargeBody, createCharge, createRefund } from '../helpers.ts';

describe('GET /payment/charges/:id', () => {
  it("answers the caller's own charge with 200, as it is now", async () => {
    const { app, signIn, signInOperator } = await buildPayment();
    const api = await httpClient(app);
    const alice = await signIn();
    const created = (await createCharge(app, alice, chargeBody({ amount: 5_000, description: 'Order 9' }))).json();
    await createRefund(app, await signInOperator(), created.id, { amount: 1_500 });

    const response = await api.get(`/payment/charges/${created.id}`).set(alice.headers);

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ ...created, amountRefunded: 1_500 });
  });

  it.each([
    ["another user's charge", 'other'],
    ['an unknown id', randomUUID()],
    ['a malformed id', 'not-a-uuid'],
  ])('answers %s with 404 PAYMENT_CHARGE_NOT_FOUND', async (_name, target) => {
    const { app, signIn } = await buildPayment();
    const api = await httpClient(app);
    const alice = await signIn();
    const bob = await signIn();
    const aliceCharge = (await createCharge(app, alice, chargeBody())).json();

    const response = await api.get(`/payment/charges/${target === 'other' ? aliceCharge.id : target}`).set(bob.headers);

    expect(response.status).toBe(404);
    expect(response.body).toEqual({ statusCode: 404, code: 'PAYMENT_CHARGE_NOT_FOUND', error: 'Not Found', message: 'Charge not found' });
  });

  it('requires a Bearer token (401)', async () => {
    const { app } = await buildPayment();
    const api = await httpClient(app);

    const response = await api.get(`/payment/charges/${randomUUID()}`);

    expect(response.status).toBe(401);
  });
});

describe('GET /payment/charges/:id for an operator', () => {
  it('shows any shopper’s charge, so that it can be refunded', async () => {
    const { app, signIn, signInOperator } = await buildPayment();
    const api = await httpClient(app);
    const alice = await signIn();
    const created = (await createCharge(app, alice, chargeBody())).json();
    const operator = await signInOperator();

    const response = await api.get(`/payment/charges/${created.id}`).set(operator.headers);

    expect(response.status).toBe(200);
    expect(response.body).toEqual(created);
  });
});
