/**
 * Every write route of payment, fed 1,000+ malformed requests each (fast-check): never a 5xx,
 * always the JSON error shape, no stack trace or SQL, and nothing persisted: no charge, no
 * refund, no Idempotency-Key left claimed. Each route is called with the token it takes (cart's
 * for a shopper to charge and void, an operator's to refund): with any other, authorization
 * refuses every request (403) before its input is even read.
 */
import { forgedTokens } from '@myshop/auth/testing';
import {
  badAuthorizationHeaders,
  cardFields,
  FUZZ_TIMEOUT_MS,
  fuzzJsonRoute,
  idempotencyKeyField,
  integerField,
  objectField,
  type ObjectSpec,
  pathSegment,
  storableText,
  stringField,
  tableState,
  unicodeString,
} from '@myshop/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildPayment, card, createCharge } from '../helpers.ts';

const PAYMENT_TABLES = ['charges', 'refunds', 'idempotency_keys'];

/**
 * Payment on a fresh database, with one user who has a refundable charge. `headers` are cart's
 * token for that user (what charges and voids); `operator` holds an operator's (what refunds).
 */
async function setUp() {
  const harness = await buildPayment();
  const user = await harness.signIn();
  const operator = await harness.signInOperator();
  const charge = await createCharge(harness.app, user);
  expect(charge.statusCode).toBe(201);
  const forged = (await forgedTokens(harness.issuer.signer, user.id)).map((forgery) => forgery.token);
  return {
    ...harness,
    user,
    operator,
    headers: user.cart,
    chargeId: charge.json().id as string,
    badAuthorization: badAuthorizationHeaders(forged),
    state: tableState(harness.database, PAYMENT_TABLES),
  };
}

const chargeSpec: ObjectSpec = {
  amount: integerField(1, 99_999_999),
  currency: stringField(fc.constant('USD'), (text) => text === 'USD', { invalid: fc.constantFrom('EUR', 'usd', 'US', 'USDD', 'GBP') }),
  card: objectField(cardFields),
  description: stringField(fc.string({ maxLength: 50 }), (text) => text.length <= 500 && storableText(text), {
    optional: true,
    invalid: fc.string({ minLength: 501, maxLength: 600 }),
  }),
  metadata: {
    optional: true,
    valid: fc.dictionary(fc.stringMatching(/^[A-Za-z0-9_.:-]{1,40}$/), fc.string({ maxLength: 20 }), { maxKeys: 3 }),
    invalid: fc.oneof(
      fc.constantFrom('metadata', 42, null, [], true),
      fc.dictionary(
        unicodeString.filter((key) => !/^[A-Za-z0-9_.:-]{1,40}$/.test(key)),
        fc.string(),
        { minKeys: 1, maxKeys: 2 },
      ),
      fc.dictionary(
        fc.stringMatching(/^[a-z]{1,10}$/),
        fc.oneof(
          fc.integer(),
          fc.constant(null),
          fc.string({ minLength: 501, maxLength: 600 }),
          unicodeString.filter((text) => !storableText(text)),
        ),
        { minKeys: 1, maxKeys: 2 },
      ),
      fc.dictionary(fc.stringMatching(/^[a-z]{1,10}$/), fc.string({ maxLength: 5 }), { minKeys: 21, maxKeys: 25 }),
    ),
  },
};

describe('hostile input to payment (fast-check)', () => {
  it(
    'POST /payment/charges: malformed charges never get a 5xx, charge nothing and claim no key',
    { timeout: FUZZ_TIMEOUT_MS },
    async () => {
      const target = await setUp();
      const result = await fuzzJsonRoute(target, 'POST /payment/charges', {
        headerSpecs: { 'idempotency-key': idempotencyKeyField },
        body: chargeSpec,
      });
      expect(result.serverErrors).toBe(0);
      expect(result.statuses[403], 'refused for the caller, not for the input').toBeUndefined();
    },
  );

  it(
    'POST /payment/charges/:id/refunds: malformed refunds never get a 5xx, refund nothing and claim no key',
    { timeout: FUZZ_TIMEOUT_MS },
    async () => {
      const { chargeId, operator, ...target } = await setUp();
      const otherIds = fc.oneof(
        fc.uuid(),
        fc.constant(`urn:uuid:${chargeId}`),
        fc.constant(chargeId.replaceAll('-', '')),
        unicodeString.filter((text) => text.length > 0),
        fc.string({ minLength: 101, maxLength: 300 }),
      );
      const result = await fuzzJsonRoute({ ...target, headers: operator.headers }, 'POST /payment/charges/:id/refunds', {
        url: {
          valid: fc.constant(`/payment/charges/${chargeId}/refunds`),
          invalid: otherIds.map((id) => `/payment/charges/${pathSegment(id)}/refunds`),
        },
        headerSpecs: { 'idempotency-key': idempotencyKeyField },
        // Any amount above the charge's 2500 is refused too (422): it must not be refunded either.
        body: {
          amount: {
            ...integerField(1, 2500, { optional: true }),
            invalid: fc.oneof(integerField(1, 2500).invalid, fc.integer({ min: 2501, max: 99_999_999 })),
          },
        },
      });
      expect(result.serverErrors).toBe(0);
      expect(result.statuses[403], 'refused for the caller, not for the input').toBeUndefined();
    },
  );
  it(
    'POST /payment/charges/void: malformed voids never get a 5xx, void nothing and claim no key',
    { timeout: FUZZ_TIMEOUT_MS },
    async () => {
      const target = await setUp();
      const result = await fuzzJsonRoute(target, 'POST /payment/charges/void', {
        headerSpecs: { 'idempotency-key': idempotencyKeyField },
      });
      expect(result.serverErrors).toBe(0);
      expect(result.statuses[403], 'refused for the caller, not for the input').toBeUndefined();
    },
  );
});

describe('the contract the fuzzing relies on', () => {
  it('takes a well-formed request to each route with the token the fuzzing sends it', async () => {
    const { app, user, operator, chargeId } = await setUp();
    const charge = await app.inject({
      method: 'POST',
      url: '/payment/charges',
      headers: { ...user.cart, 'idempotency-key': 'fuzz-contract-charge' },
      payload: { amount: 100, currency: 'USD', card: card() },
    });
    expect(charge.statusCode).toBe(201);
    const refund = await app.inject({
      method: 'POST',
      url: `/payment/charges/${chargeId}/refunds`,
      headers: { ...operator.headers, 'idempotency-key': 'fuzz-contract-refund' },
      payload: { amount: 1 },
    });
    expect(refund.statusCode).toBe(201);
    const voided = await app.inject({
      method: 'POST',
      url: '/payment/charges/void',
      headers: { ...user.cart, 'idempotency-key': 'fuzz-contract-void' },
    });
    expect(voided.json()).toMatchObject({ statusCode: 409, code: 'PAYMENT_CHARGE_VOIDED' });
  });

  it('refuses a NUL in a description or metadata, and an unpaired surrogate, with 400 instead of a database error', async () => {
    const { app, user, state } = await setUp();
    const before = await state();
    for (const extra of [
      { description: 'a\u0000b' },
      { metadata: { note: 'a\u0000b' } },
      { metadata: { note: '\ud800' } },
      { description: 'x\udfff' },
    ]) {
      const response = await createCharge(app, user, { amount: 100, currency: 'USD', card: card(), ...extra });
      expect(response.statusCode, JSON.stringify(extra)).toBe(400);
      expect(response.json()).toMatchObject({
        code: 'FST_ERR_VALIDATION',
        message: expect.stringMatching(/^body\/(description|metadata\/note) contains a character that is not allowed/),
      });
    }
    expect(await state()).toBe(before);
  });
});
