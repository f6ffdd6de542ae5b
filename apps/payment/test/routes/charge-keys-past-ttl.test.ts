import { httpClient } from '@myshop/testing';
import { describe, expect, it } from 'vitest';
import { buildPayment, chargeBody, postCharge, postRefund, DECLINED_CARD, FUTURE_YEAR, forgetStoredAnswers } from '../helpers.ts';

type Payment = Awaited<ReturnType<typeof buildPayment>>;

const chargeCount = async (payment: Payment) =>
  (await payment.database.query<{ n: number }>('SELECT count(*)::int AS n FROM charges'))[0]!.n;

/**
 * A key's stored answer is forgotten after its TTL; the charge it made is not. Cart may come back
 * to a checkout much later (an order left pending after a timeout): the key still never charges twice.
 */
describe('a charge key after its stored answer is forgotten', () => {
  it.each(['expired', 'purged'] as const)(
    'a retry with the same body (key %s) gets the charge again, marked replayed, and charges nothing more',
    async (how) => {
      const payment = await buildPayment();
      const api = await httpClient(payment.app);
      const alice = await payment.signIn();
      const first = await postCharge(api, alice, chargeBody(), 'checkout-1');
      expect(first.status).toBe(201);
      await forgetStoredAnswers(payment, how);

      const retry = await postCharge(api, alice, chargeBody(), 'checkout-1');

      expect(retry.status).toBe(201);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect(retry.body).toEqual(first.body);
      expect(await chargeCount(payment)).toBe(1);
    },
  );

  // While the key keeps its answer, a retry gets that answer exactly (create-charge.test.ts); once
  // it is past its TTL, even before the purge removes it, the retry gets the charge as it stands.
  it.each(['expired', 'purged'] as const)(
    'a retry (key %s) gets the charge as it stands now: a refund made since shows in amountRefunded',
    async (how) => {
      const payment = await buildPayment();
      const api = await httpClient(payment.app);
      const alice = await payment.signIn();
      const operator = await payment.signInOperator();
      const first = await postCharge(api, alice, chargeBody({ amount: 2500 }), 'checkout-1');
      expect((await postRefund(api, operator, first.body.id, { amount: 1000 })).status).toBe(201);
      await forgetStoredAnswers(payment, how);

      const retry = await postCharge(api, alice, chargeBody({ amount: 2500 }), 'checkout-1');

      expect(retry.status).toBe(201);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect(retry.body).toEqual({ ...first.body, amountRefunded: 1000 });
      expect(await chargeCount(payment)).toBe(1);
    },
  );

  it('refuses another body under the key with 422 PAYMENT_IDEMPOTENCY_KEY_REUSED, charging nothing', async () => {
    const payment = await buildPayment();
    const api = await httpClient(payment.app);
    const alice = await payment.signIn();
    await postCharge(api, alice, chargeBody(), 'checkout-1');
    await forgetStoredAnswers(payment, 'purged');

    const other = await postCharge(api, alice, chargeBody({ amount: 1 }), 'checkout-1');

    expect(other.status).toBe(422);
    expect(other.body.code).toBe('PAYMENT_IDEMPOTENCY_KEY_REUSED');
    expect(await chargeCount(payment)).toBe(1);
  });

  it('answers a decline again with its 402', async () => {
    const payment = await buildPayment();
    const api = await httpClient(payment.app);
    const alice = await payment.signIn();
    const body = chargeBody({ card: { number: DECLINED_CARD, expMonth: 1, expYear: FUTURE_YEAR, cvc: '123' } });
    const declined = await postCharge(api, alice, body, 'declined');
    await forgetStoredAnswers(payment, 'expired');

    const retry = await postCharge(api, alice, body, 'declined');

    expect(retry.status).toBe(402);
    expect(retry.body).toEqual(declined.body);
    expect(await chargeCount(payment)).toBe(1);
  });

  it.each(['expired', 'purged'] as const)(
    'a void (key %s) answers the charge it made, never 409 voided, and a retry after it still gets the charge',
    async (how) => {
      const payment = await buildPayment();
      const api = await httpClient(payment.app);
      const alice = await payment.signIn();
      const charged = await postCharge(api, alice, chargeBody(), 'checkout-1');
      await forgetStoredAnswers(payment, how);

      const voided = await api.post('/payment/charges/void').set({ ...alice.cart, 'idempotency-key': 'checkout-1' });

      expect(voided.status).toBe(201);
      expect(voided.headers['idempotent-replayed']).toBe('true');
      expect(voided.body).toEqual(charged.body);
      const retry = await postCharge(api, alice, chargeBody(), 'checkout-1');
      expect(retry.status).toBe(201);
      expect(retry.body.id).toBe(charged.body.id);
      expect(await chargeCount(payment)).toBe(1);
    },
  );

  it.each(['expired', 'purged'] as const)(
    'a voided key (%s) still never charges: a late charge with it gets 409 PAYMENT_CHARGE_VOIDED, charging nothing',
    async (how) => {
      const payment = await buildPayment();
      const api = await httpClient(payment.app);
      const alice = await payment.signIn();
      const voided = await api.post('/payment/charges/void').set({ ...alice.cart, 'idempotency-key': 'lost-attempt' });
      expect(voided.status).toBe(409);
      expect(voided.body.code).toBe('PAYMENT_CHARGE_VOIDED');
      await forgetStoredAnswers(payment, 'expired');
      // Nothing else is stored to purge: the purge must leave the voided key's answer.
      if (how === 'purged') expect(await payment.app.idempotency.purgeExpired()).toBe(0);

      const late = await postCharge(api, alice, chargeBody(), 'lost-attempt');

      expect(late.status).toBe(409);
      expect(late.body).toEqual(voided.body);
      expect(await chargeCount(payment)).toBe(0);
    },
  );

  it('keeps the keys of users apart: another shopper’s charge under the same key is a charge of its own', async () => {
    const payment = await buildPayment();
    const api = await httpClient(payment.app);
    const alice = await payment.signIn();
    const bob = await payment.signIn();
    await postCharge(api, alice, chargeBody(), 'same-key');
    await forgetStoredAnswers(payment, 'purged');

    const bobs = await postCharge(api, bob, chargeBody(), 'same-key');

    expect(bobs.status).toBe(201);
    expect(bobs.headers['idempotent-replayed']).toBeUndefined();
    expect(await chargeCount(payment)).toBe(2);
  });

  it('answers 409 in progress, charging nothing, when the charge holding the key cannot be read back as one', async () => {
    const payment = await buildPayment();
    const api = await httpClient(payment.app);
    const alice = await payment.signIn();
    await postCharge(api, alice, chargeBody(), 'checkout-1');
    await forgetStoredAnswers(payment, 'purged');
    // What no code writes: a charge holding the key without its request's fingerprint.
    await payment.database.query('UPDATE charges SET request_fingerprint = NULL');

    const retry = await postCharge(api, alice, chargeBody(), 'checkout-1');

    expect(retry.status).toBe(409);
    expect(retry.body.code).toBe('PAYMENT_IDEMPOTENCY_IN_PROGRESS');
    expect(await chargeCount(payment)).toBe(1);
  });
});
