import { captureLogs } from '@myshop/testing';
import { describe, expect, it } from 'vitest';
import {
  buildPayment,
  chargeBody,
  createCharge,
  createRefund,
  DECLINED_CARD,
  FUTURE_YEAR,
  INSUFFICIENT_FUNDS_CARD,
  VISA,
} from './helpers.ts';

const MASTERCARD = '5555555555554444';
const CVC = '9731';
const AMEX_CVC = '8642';
const NUMBERS = [VISA, DECLINED_CARD, INSUFFICIENT_FUNDS_CARD, MASTERCARD, '378282246310005', '4242424242424241'];

/** Everything a full card number or CVC could hide in: the number, its first digits, the CVC as a value. */
function cardDataIn(text: string): string[] {
  const found: string[] = [];
  for (const number of NUMBERS) {
    if (text.includes(number)) found.push(`number ${number}`);
    if (text.includes(number.slice(0, -4))) found.push(`digits of ${number}`);
  }
  for (const cvc of [CVC, AMEX_CVC]) {
    if (text.includes(`"${cvc}"`) || text.includes(`:${cvc}`)) found.push(`cvc ${cvc}`);
  }
  return found;
}

describe('card data', () => {
  it('never reaches a log line or a database table, whatever the outcome of the request', async () => {
    const logs = captureLogs('payment', 'trace');
    const payment = await buildPayment({ logger: logs.logger });
    const { app } = payment;
    const alice = await payment.signIn();
    const card = (number: string, overrides: Record<string, unknown> = {}) => ({
      number,
      expMonth: 11,
      expYear: FUTURE_YEAR,
      cvc: CVC,
      ...overrides,
    });

    const charged = await createCharge(app, alice, chargeBody({ card: card(VISA), metadata: { note: 'hello' } }), 'k1');
    const statuses = [
      charged.statusCode,
      (await createCharge(app, alice, chargeBody({ card: card(VISA), metadata: { note: 'hello' } }), 'k1')).statusCode,
      (await createCharge(app, alice, chargeBody({ card: card(MASTERCARD) }), 'k1')).statusCode,
      (await createCharge(app, alice, chargeBody({ card: card(DECLINED_CARD) }))).statusCode,
      (await createCharge(app, alice, chargeBody({ card: card(INSUFFICIENT_FUNDS_CARD) }))).statusCode,
      (await createCharge(app, alice, chargeBody({ card: card(VISA, { expYear: 2001 }) }))).statusCode,
      (await createCharge(app, alice, chargeBody({ card: card('378282246310005', { cvc: AMEX_CVC }) }))).statusCode,
      (await createCharge(app, alice, chargeBody({ card: card('4242424242424241') }))).statusCode,
      (await createCharge(app, alice, chargeBody({ card: card(VISA, { pin: '1234' }) }))).statusCode,
      (await createCharge(app, alice, chargeBody({ card: card(VISA), currency: 'EUR' }))).statusCode,
      (await createCharge(app, { cart: {} }, chargeBody({ card: card(VISA) }))).statusCode,
      (
        await app.inject({
          method: 'POST',
          url: '/payment/charges',
          headers: { ...alice.cart, 'idempotency-key': 'broken', 'content-type': 'application/json' },
          payload: `{"amount": 100, "card": {"number": "${VISA}", "cvc": "${CVC}"`,
        })
      ).statusCode,
      (await createRefund(app, await payment.signInOperator(), charged.json().id, { amount: 100 })).statusCode,
    ];
    expect(statuses).toEqual([201, 201, 422, 402, 402, 402, 201, 400, 400, 400, 401, 400, 201]);

    // The logs were written (requests, outcomes), just without card data.
    const logText = logs.text();
    expect(logs.lines().filter((line) => line.msg === 'charge recorded')).toHaveLength(5);
    expect(cardDataIn(logText)).toEqual([]);

    const tables = await payment.database.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
    );
    expect(tables.map((table) => table.table_name)).toEqual(['charges', 'idempotency_keys', 'refunds', 'schema_migrations']);
    let rows = 0;
    for (const { table_name: table } of tables) {
      const contents = await payment.database.query<{ row: string }>(`SELECT row_to_json(t)::text AS row FROM ${table} t`);
      rows += contents.length;
      expect({ table, found: cardDataIn(contents.map((content) => content.row).join('\n')) }).toEqual({ table, found: [] });
    }
    expect(rows).toBeGreaterThan(10);
    const columns = await payment.database.query<{ column_name: string }>(
      "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public'",
    );
    expect(columns.map((column) => column.column_name).filter((name) => /number|cvc|pan/i.test(name))).toEqual([]);
  });
});
