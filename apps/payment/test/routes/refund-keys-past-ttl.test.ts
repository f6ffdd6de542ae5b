import { httpClient } from '@myshop/testing';
import { describe, expect, it } from 'vitest';
import { buildPayment, chargeBody, createCharge, postRefund, forgetStoredAnswers } from '../helpers.ts';

type Payment = Awaited<ReturnType<typeof buildPayment>>;

/** A shopper's charge of `amount`, and an operator who may refund it. */
async function chargeToRefund(payment: Payment, amount = 10_000) {
  const shopper = await payment.signIn();
  const charge = (await createCharge(payment.app, shopper, chargeBody({ amount }))).json() as { id: string };
  return { operator: await payment.signInOperator(), chargeId: charge.id };
}

async function refunds(payment: Payment, chargeId: string) {
  const [row] = await payment.database.query<{ amount_refunded: string; refunds: number }>(
    'SELECT amount_refunded, (SELECT count(*)::int FROM refunds WHERE charge_id = $1) AS refunds FROM charges WHERE id = $1',
    [chargeId],
  );
  return row;
}

/**
 * A key's stored answer is forgotten after its TTL; the refund it made is not. An operator's tool
 * that retries a refund days later (a queue's long back-off) must not give the money back twice.
 */
describe('a refund key after its stored answer is forgotten', () => {
  it.each(['expired', 'purged'] as const)(
    'a retry with the same body (key %s) gets the refund again, marked replayed, and refunds nothing more',
    async (how) => {
      const payment = await buildPayment();
      const api = await httpClient(payment.app);
      const { operator, chargeId } = await chargeToRefund(payment);
      const first = await postRefund(api, operator, chargeId, { amount: 2_500 }, 'refund-1');
      expect(first.status).toBe(201);
      await forgetStoredAnswers(payment, how);

      const retry = await postRefund(api, operator, chargeId, { amount: 2_500 }, 'refund-1');

      expect(retry.status).toBe(201);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect(retry.body).toEqual(first.body);
      expect(await refunds(payment, chargeId)).toEqual({ amount_refunded: '2500', refunds: 1 });
      // Answered once more from the refund, then stored again: the next retry is a plain replay.
      const again = await postRefund(api, operator, chargeId, { amount: 2_500 }, 'refund-1');
      expect(again.body).toEqual(first.body);
      expect(await refunds(payment, chargeId)).toEqual({ amount_refunded: '2500', refunds: 1 });
    },
  );

  it('replays a refund of "what is left" even when nothing is left now, instead of refusing it', async () => {
    const payment = await buildPayment();
    const api = await httpClient(payment.app);
    const { operator, chargeId } = await chargeToRefund(payment, 700);
    const first = await postRefund(api, operator, chargeId, {}, 'refund-all');
    expect(first.body).toMatchObject({ amount: 700 });
    await forgetStoredAnswers(payment, 'purged');

    const retry = await postRefund(api, operator, chargeId, {}, 'refund-all');

    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
  });

  it('refuses another body under the key with 422 PAYMENT_IDEMPOTENCY_KEY_REUSED, refunding nothing', async () => {
    const payment = await buildPayment();
    const api = await httpClient(payment.app);
    const { operator, chargeId } = await chargeToRefund(payment);
    await postRefund(api, operator, chargeId, { amount: 2_500 }, 'refund-1');
    await forgetStoredAnswers(payment, 'expired');

    const other = await postRefund(api, operator, chargeId, { amount: 100 }, 'refund-1');

    expect(other.status).toBe(422);
    expect(other.body.code).toBe('PAYMENT_IDEMPOTENCY_KEY_REUSED');
    expect(await refunds(payment, chargeId)).toEqual({ amount_refunded: '2500', refunds: 1 });
    // The key is not used up by the refusal: the first refund's retry still replays.
    expect((await postRefund(api, operator, chargeId, { amount: 2_500 }, 'refund-1')).status).toBe(201);
  });

  it('keeps keys per operator: another operator’s key of the same name is a refund of its own', async () => {
    const payment = await buildPayment();
    const api = await httpClient(payment.app);
    const { operator, chargeId } = await chargeToRefund(payment);
    const otherOperator = await payment.signInOperator();
    await postRefund(api, operator, chargeId, { amount: 1_000 }, 'refund-1');
    await forgetStoredAnswers(payment, 'purged');

    const theirs = await postRefund(api, otherOperator, chargeId, { amount: 1_000 }, 'refund-1');

    expect(theirs.status).toBe(201);
    expect(theirs.headers['idempotent-replayed']).toBeUndefined();
    expect(await refunds(payment, chargeId)).toEqual({ amount_refunded: '2000', refunds: 2 });
  });
});
