import { randomUUID } from 'node:crypto';
import { httpClient } from '@myshop/testing';
import { describe, expect, it } from 'vitest';
import { buildPayment, chargeBody, createCharge, postRefund, DECLINED_CARD, FUTURE_YEAR } from '../helpers.ts';

type Payment = Awaited<ReturnType<typeof buildPayment>>;

/** A user with one succeeded charge of `amount`, and an operator who may refund it. */
async function userWithCharge(payment: Payment, amount = 10_000) {
  const user = await payment.signIn();
  const charge = (await createCharge(payment.app, user, chargeBody({ amount }))).json() as { id: string };
  return { user, operator: await payment.signInOperator(), chargeId: charge.id };
}

async function refundedSoFar(payment: Payment, chargeId: string) {
  const [row] = await payment.database.query<{ amount_refunded: string; refunds: number; refunded: string | null }>(
    `SELECT amount_refunded, (SELECT count(*)::int FROM refunds WHERE charge_id = $1) AS refunds,
            (SELECT sum(amount)::text FROM refunds WHERE charge_id = $1) AS refunded
       FROM charges WHERE id = $1`,
    [chargeId],
  );
  return row;
}

describe('POST /payment/charges/:id/refunds', () => {
  it('refunds part of a charge with 201 and adds it to amountRefunded', async () => {
    const payment = await buildPayment();
    const api = await httpClient(payment.app);
    const { user, operator, chargeId } = await userWithCharge(payment, 10_000);

    const response = await postRefund(api, operator, chargeId, { amount: 2_500 });

    expect(response.status).toBe(201);
    expect(response.body).toEqual({
      id: expect.any(String),
      chargeId,
      amount: 2_500,
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    expect(await refundedSoFar(payment, chargeId)).toEqual({ amount_refunded: '2500', refunds: 1, refunded: '2500' });
    const charge = await api.get(`/payment/charges/${chargeId}`).set(user.headers);
    expect(charge.body).toMatchObject({ amount: 10_000, amountRefunded: 2_500, status: 'succeeded' });
  });

  it('refunds what is left when no amount is given, with or without a body', async () => {
    const payment = await buildPayment();
    const api = await httpClient(payment.app);
    const { operator, chargeId } = await userWithCharge(payment, 10_000);
    await postRefund(api, operator, chargeId, { amount: 4_000 });

    const rest = await api.post(`/payment/charges/${chargeId}/refunds`).set({ ...operator.headers, 'idempotency-key': randomUUID() });

    expect(rest.status).toBe(201);
    expect(rest.body).toMatchObject({ chargeId, amount: 6_000 });
    expect(await refundedSoFar(payment, chargeId)).toEqual({ amount_refunded: '10000', refunds: 2, refunded: '10000' });

    const other = await userWithCharge(payment, 700);
    const withEmptyBody = await postRefund(api, other.operator, other.chargeId, {});
    expect(withEmptyBody.status).toBe(201);
    expect(withEmptyBody.body).toMatchObject({ amount: 700 });
  });

  it('refuses a JSON null body with 400 rather than reading it as "refund the rest"', async () => {
    const payment = await buildPayment();
    const api = await httpClient(payment.app);
    const { operator, chargeId } = await userWithCharge(payment, 1_000);

    const response = await api
      .post(`/payment/charges/${chargeId}/refunds`)
      .set({ ...operator.headers, 'idempotency-key': randomUUID(), 'content-type': 'application/json' })
      .send('null');

    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: 'FST_ERR_VALIDATION' });
    expect(await refundedSoFar(payment, chargeId)).toEqual({ amount_refunded: '0', refunds: 0, refunded: null });
  });

  it('answers a refund larger than what is left with 422 PAYMENT_REFUND_EXCEEDS_CHARGE and refunds nothing', async () => {
    const payment = await buildPayment();
    const api = await httpClient(payment.app);
    const { operator, chargeId } = await userWithCharge(payment, 10_000);
    await postRefund(api, operator, chargeId, { amount: 9_000 });

    const response = await postRefund(api, operator, chargeId, { amount: 1_001 });

    expect(response.status).toBe(422);
    expect(response.body).toEqual({
      statusCode: 422,
      code: 'PAYMENT_REFUND_EXCEEDS_CHARGE',
      error: 'Unprocessable Entity',
      message: 'The refund exceeds what is left of the charge (1000 left)',
    });
    expect(await refundedSoFar(payment, chargeId)).toEqual({ amount_refunded: '9000', refunds: 1, refunded: '9000' });
  });

  it('answers a refund of a fully refunded charge with 422, whatever the amount', async () => {
    const payment = await buildPayment();
    const api = await httpClient(payment.app);
    const { operator, chargeId } = await userWithCharge(payment, 500);
    await postRefund(api, operator, chargeId);

    const again = await postRefund(api, operator, chargeId);
    const one = await postRefund(api, operator, chargeId, { amount: 1 });

    for (const response of [again, one]) {
      expect(response.status).toBe(422);
      expect(response.body).toMatchObject({ code: 'PAYMENT_REFUND_EXCEEDS_CHARGE', message: expect.stringContaining('(0 left)') });
    }
    expect(await refundedSoFar(payment, chargeId)).toEqual({ amount_refunded: '500', refunds: 1, refunded: '500' });
  });

  it('answers a refund of a failed charge with 409 PAYMENT_CHARGE_NOT_REFUNDABLE', async () => {
    const payment = await buildPayment();
    const api = await httpClient(payment.app);
    const user = await payment.signIn();
    const operator = await payment.signInOperator();
    await createCharge(payment.app, user, chargeBody({ card: { number: DECLINED_CARD, expMonth: 1, expYear: FUTURE_YEAR, cvc: '123' } }));
    const [failed] = await payment.database.query<{ id: string }>('SELECT id FROM charges');

    const response = await postRefund(api, operator, failed!.id, { amount: 100 });

    expect(response.status).toBe(409);
    expect(response.body).toEqual({
      statusCode: 409,
      code: 'PAYMENT_CHARGE_NOT_REFUNDABLE',
      error: 'Conflict',
      message: 'Only a succeeded charge can be refunded',
    });
    expect(await payment.database.query('SELECT * FROM refunds')).toEqual([]);
  });

  it.each([
    ['an unknown charge', randomUUID()],
    ['a malformed charge id', 'not-a-uuid'],
  ])('answers a refund of %s with 404 PAYMENT_CHARGE_NOT_FOUND', async (_name, target) => {
    const payment = await buildPayment();
    const api = await httpClient(payment.app);
    const owner = await userWithCharge(payment, 1_000);

    const response = await postRefund(api, owner.operator, target, { amount: 100 });

    expect(response.status).toBe(404);
    expect(response.body).toEqual({ statusCode: 404, code: 'PAYMENT_CHARGE_NOT_FOUND', error: 'Not Found', message: 'Charge not found' });
    expect(await refundedSoFar(payment, owner.chargeId)).toEqual({ amount_refunded: '0', refunds: 0, refunded: null });
  });

  it.each([
    ['the shopper who paid (free goods)', 'owner'],
    ['another shopper', 'stranger'],
    ['the cart service acting for the shopper', 'cart'],
    ['the cart service as itself', 'feed'],
  ])('refuses a refund by %s with 403, refunding nothing: only an operator refunds', async (_name, who) => {
    const payment = await buildPayment();
    const api = await httpClient(payment.app);
    const owner = await userWithCharge(payment, 1_000);
    const caller =
      who === 'owner'
        ? owner.user
        : who === 'stranger'
          ? await payment.signIn()
          : who === 'cart'
            ? { headers: owner.user.cart }
            : await payment.cartService();

    for (const payload of [{ amount: 100 }, {}]) {
      const response = await postRefund(api, caller, owner.chargeId, payload);
      expect(response.status).toBe(403);
      expect(response.body).toMatchObject({ statusCode: 403, code: 'AUTH_FORBIDDEN', error: 'Forbidden' });
    }
    expect(await refundedSoFar(payment, owner.chargeId)).toEqual({ amount_refunded: '0', refunds: 0, refunded: null });
    expect(await payment.database.query('SELECT count(*)::int AS n FROM idempotency_keys')).toEqual([{ n: 1 }]);
  });

  it.each([
    ['amount 0', { amount: 0 }, 'body/amount must be >= 1'],
    ['a fractional amount', { amount: 1.5 }, 'body/amount must be integer'],
    ['an amount above 99,999,999', { amount: 100_000_000 }, 'body/amount must be <= 99999999'],
    ['an unknown field', { reason: 'duplicate' }, 'body/reason is not allowed'],
  ])('refuses %s with 400 and refunds nothing', async (_name, payload, message) => {
    const payment = await buildPayment();
    const api = await httpClient(payment.app);
    const { operator, chargeId } = await userWithCharge(payment);

    const response = await postRefund(api, operator, chargeId, payload);

    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: 'FST_ERR_VALIDATION', message: expect.stringContaining(message) });
    expect(await refundedSoFar(payment, chargeId)).toEqual({ amount_refunded: '0', refunds: 0, refunded: null });
  });

  it('requires an Idempotency-Key (400) and a Bearer token (401)', async () => {
    const payment = await buildPayment();
    const api = await httpClient(payment.app);
    const { operator, chargeId } = await userWithCharge(payment);

    const withoutKey = await postRefund(api, operator, chargeId, { amount: 100 }, null);
    const withoutToken = await postRefund(api, { headers: {} }, chargeId, { amount: 100 });

    expect(withoutKey.status).toBe(400);
    expect(withoutKey.body).toMatchObject({ code: 'FST_ERR_VALIDATION', message: 'headers/idempotency-key is required' });
    expect(withoutToken.status).toBe(401);
    expect(await refundedSoFar(payment, chargeId)).toEqual({ amount_refunded: '0', refunds: 0, refunded: null });
  });

  it('replays a refund for the same key and body, refunding once', async () => {
    const payment = await buildPayment();
    const api = await httpClient(payment.app);
    const { operator, chargeId } = await userWithCharge(payment, 10_000);

    const first = await postRefund(api, operator, chargeId, { amount: 1_000 }, 'refund-1');
    const retry = await postRefund(api, operator, chargeId, { amount: 1_000 }, 'refund-1');

    expect(retry.status).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.text).toBe(first.text);
    expect(await refundedSoFar(payment, chargeId)).toEqual({ amount_refunded: '1000', refunds: 1, refunded: '1000' });
  });

  it('reads a charge id in any case as the same charge: a retry in upper case replays, refunding once', async () => {
    const payment = await buildPayment();
    const api = await httpClient(payment.app);
    const { operator, chargeId } = await userWithCharge(payment, 10_000);

    const first = await postRefund(api, operator, chargeId.toUpperCase(), { amount: 1_000 }, 'refund-1');
    const retry = await postRefund(api, operator, chargeId, { amount: 1_000 }, 'refund-1');

    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(await refundedSoFar(payment, chargeId)).toEqual({ amount_refunded: '1000', refunds: 1, refunded: '1000' });
  });

  it('answers the same key with another amount, or for another charge, with 422 PAYMENT_IDEMPOTENCY_KEY_REUSED', async () => {
    const payment = await buildPayment();
    const api = await httpClient(payment.app);
    const { user, operator, chargeId } = await userWithCharge(payment, 10_000);
    const second = (await createCharge(payment.app, user, chargeBody())).json() as { id: string };
    await postRefund(api, operator, chargeId, { amount: 1_000 }, 'refund-1');

    const otherAmount = await postRefund(api, operator, chargeId, { amount: 2_000 }, 'refund-1');
    const otherCharge = await postRefund(api, operator, second.id, { amount: 1_000 }, 'refund-1');

    for (const response of [otherAmount, otherCharge]) {
      expect(response.status).toBe(422);
      expect(response.body).toMatchObject({ code: 'PAYMENT_IDEMPOTENCY_KEY_REUSED' });
    }
    expect(await refundedSoFar(payment, chargeId)).toEqual({ amount_refunded: '1000', refunds: 1, refunded: '1000' });
    expect(await refundedSoFar(payment, second.id)).toEqual({ amount_refunded: '0', refunds: 0, refunded: null });
  });

  it('leaves the key free after a refused refund, so the corrected request can use it', async () => {
    const payment = await buildPayment();
    const api = await httpClient(payment.app);
    const { operator, chargeId } = await userWithCharge(payment, 1_000);

    const tooMuch = await postRefund(api, operator, chargeId, { amount: 5_000 }, 'refund-1');
    const corrected = await postRefund(api, operator, chargeId, { amount: 500 }, 'refund-1');

    expect(tooMuch.status).toBe(422);
    expect(corrected.status).toBe(201);
    expect(corrected.headers['idempotent-replayed']).toBeUndefined();
    expect(await refundedSoFar(payment, chargeId)).toEqual({ amount_refunded: '500', refunds: 1, refunded: '500' });
  });

  it('never over-refunds under 20 concurrent refunds with different keys on two replicas', async () => {
    const payment = await buildPayment();
    const api = await httpClient(payment.app);
    const otherApi = await httpClient(await payment.replica());
    const { operator, chargeId } = await userWithCharge(payment, 10_000);

    // 20 × 700 asks for 14,000 of 10,000: exactly 14 fit.
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, index) => postRefund(index % 2 === 0 ? api : otherApi, operator, chargeId, { amount: 700 })),
    );

    const statuses = responses.map((response) => response.status).sort();
    expect(statuses.filter((status) => status === 201)).toHaveLength(14);
    expect(statuses.filter((status) => status === 422)).toHaveLength(6);
    expect(await refundedSoFar(payment, chargeId)).toEqual({ amount_refunded: '9800', refunds: 14, refunded: '9800' });
  });

  it('refunds everything exactly once when concurrent "refund the rest" requests race', async () => {
    const payment = await buildPayment();
    const api = await httpClient(payment.app);
    const otherApi = await httpClient(await payment.replica());
    const { operator, chargeId } = await userWithCharge(payment, 10_000);

    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, index) => postRefund(index % 2 === 0 ? api : otherApi, operator, chargeId)),
    );

    expect(responses.filter((response) => response.status === 201).map((response) => response.body.amount)).toEqual([10_000]);
    expect(responses.filter((response) => response.status === 422)).toHaveLength(9);
    expect(await refundedSoFar(payment, chargeId)).toEqual({ amount_refunded: '10000', refunds: 1, refunded: '10000' });
  });

  it('makes one refund from 30 parallel identical requests with one key on two replicas', async () => {
    const payment = await buildPayment();
    const api = await httpClient(payment.app);
    const otherApi = await httpClient(await payment.replica());
    const { operator, chargeId } = await userWithCharge(payment, 10_000);

    const responses = await Promise.all(
      Array.from({ length: 30 }, (_, index) => postRefund(index % 2 === 0 ? api : otherApi, operator, chargeId, { amount: 300 }, 'r')),
    );

    expect(responses.every((response) => response.status === 201 || response.status === 409)).toBe(true);
    expect(responses.filter((response) => response.status === 201 && !response.headers['idempotent-replayed'])).toHaveLength(1);
    expect(await refundedSoFar(payment, chargeId)).toEqual({ amount_refunded: '300', refunds: 1, refunded: '300' });
  });
});
