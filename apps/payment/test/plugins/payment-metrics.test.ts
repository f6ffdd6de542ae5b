import { randomUUID } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { buildPayment, card, chargeBody, createCharge, createRefund, DECLINED_CARD, INSUFFICIENT_FUNDS_CARD } from '../helpers.ts';

describe('payment metrics', () => {
  it('counts charges by result and code, the amount taken, and idempotent replays', async () => {
    const { app, signIn, signInOperator } = await buildPayment();
    const user = await signIn();
    const operator = await signInOperator();
    const before = await app.metrics.registry.metrics();
    expect(before).toContain('myshop_payment_charges_total{result="failed",code="card_declined",service="payment"} 0');
    expect(before).toContain('myshop_payment_idempotent_replays_total{service="payment"} 0');
    expect(before).toContain('myshop_payment_amount_minor_total{currency="USD",service="payment"} 0');

    const key = randomUUID();
    const first = await createCharge(app, user, chargeBody({ amount: 2500 }), key);
    expect(first.statusCode).toBe(201);
    // The same request again: replayed, nothing charged.
    expect((await createCharge(app, user, chargeBody({ amount: 2500 }), key)).headers['idempotent-replayed']).toBe('true');
    expect((await createCharge(app, user, chargeBody({ amount: 1000 }))).statusCode).toBe(201);
    expect((await createCharge(app, user, chargeBody({ card: card({ number: DECLINED_CARD }) }))).statusCode).toBe(402);
    expect((await createCharge(app, user, chargeBody({ card: card({ number: INSUFFICIENT_FUNDS_CARD }) }))).statusCode).toBe(402);
    expect((await createCharge(app, user, chargeBody({ card: card({ expYear: 2020 }) }))).statusCode).toBe(402);
    // Refused before anything is charged: no charge at all.
    expect((await createCharge(app, user, chargeBody({ currency: 'EUR' }))).statusCode).toBe(400);
    const refundKey = randomUUID();
    expect((await createRefund(app, operator, first.json<{ id: string }>().id, { amount: 100 }, refundKey)).statusCode).toBe(201);
    expect(
      (await createRefund(app, operator, first.json<{ id: string }>().id, { amount: 100 }, refundKey)).headers['idempotent-replayed'],
    ).toBe('true');

    const text = await app.metrics.registry.metrics();
    expect(text).toContain('myshop_payment_charges_total{result="succeeded",code="none",service="payment"} 2');
    expect(text).toContain('myshop_payment_charges_total{result="failed",code="card_declined",service="payment"} 1');
    expect(text).toContain('myshop_payment_charges_total{result="failed",code="insufficient_funds",service="payment"} 1');
    expect(text).toContain('myshop_payment_charges_total{result="failed",code="expired_card",service="payment"} 1');
    expect(text).toContain('myshop_payment_amount_minor_total{currency="USD",service="payment"} 3500');
    expect(text).toContain('myshop_payment_idempotent_replays_total{service="payment"} 2');
  });

  it.each([
    ['USD', 100],
    ['JPY', 1],
    ['BHD', 1000],
  ])('says how many minor units make a major one of the shop currency, %s: %d', async (currency, perMajor) => {
    const { app } = await buildPayment({ env: { CURRENCY: currency } });
    expect(await app.metrics.registry.metrics()).toContain(
      `myshop_payment_minor_units_per_major{currency="${currency}",service="payment"} ${perMajor}`,
    );
  });

  it("starts without ICU's number formatting, which would hold 7 MB of memory for good", async () => {
    const numberFormat = vi.spyOn(Intl, 'NumberFormat');
    try {
      const { app } = await buildPayment({ env: { CURRENCY: 'JPY' } });
      expect(await app.metrics.registry.metrics()).toContain('myshop_payment_minor_units_per_major{currency="JPY",service="payment"} 1');
      expect(numberFormat).not.toHaveBeenCalled();
    } finally {
      numberFormat.mockRestore();
    }
  });
});
