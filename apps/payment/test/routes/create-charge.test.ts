import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { httpClient } from '@myshop/testing';
import {
  buildPayment,
  card,
  chargeBody,
  DECLINED_CARD,
  FUTURE_YEAR,
  INSUFFICIENT_FUNDS_CARD,
  postCharge,
  postRefund,
  VISA,
} from '../helpers.ts';

async function countRows(database: { query(text: string): Promise<Array<Record<string, unknown>>> }) {
  const [row] = await database.query(
    'SELECT (SELECT count(*) FROM charges)::int AS charges, (SELECT count(*) FROM idempotency_keys)::int AS keys',
  );
  return row;
}

describe('POST /payment/charges', () => {
  it('charges a valid card with 201 and keeps only its brand and last 4 digits', async () => {
    const { app, database, logs, signIn } = await buildPayment();
    const api = await httpClient(app);
    const alice = await signIn();

    const response = await postCharge(api, alice, chargeBody({ amount: 2500 }));

    expect(response.status).toBe(201);
    expect(response.headers['idempotent-replayed']).toBeUndefined();
    const charge = response.body;
    expect(charge).toEqual({
      id: expect.any(String),
      status: 'succeeded',
      amount: 2500,
      amountRefunded: 0,
      currency: 'USD',
      card: { brand: 'visa', last4: '4242' },
      description: null,
      metadata: {},
      failureCode: null,
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    const rows = await database.query('SELECT * FROM charges');
    expect(rows).toEqual([
      expect.objectContaining({
        id: charge.id,
        user_id: alice.id,
        status: 'succeeded',
        amount: '2500',
        amount_refunded: '0',
        card_brand: 'visa',
        card_last4: '4242',
        failure_code: null,
      }),
    ]);
    // The charge's status has a name of its own: `status` is an HTTP status (a number) in other lines.
    const recorded = logs.lines().find((line) => line.msg === 'charge recorded');
    expect(recorded).toMatchObject({ chargeId: charge.id, chargeStatus: 'succeeded' });
    expect(recorded).not.toHaveProperty('status');
  });

  it('stores a description and metadata and returns them', async () => {
    const { app, database, signIn } = await buildPayment();
    const api = await httpClient(app);
    const alice = await signIn();

    const response = await postCharge(
      api,
      alice,
      chargeBody({ description: 'Order 42', metadata: { orderId: '42', 'shop.channel': 'web' } }),
    );

    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ description: 'Order 42', metadata: { orderId: '42', 'shop.channel': 'web' } });
    const [row] = await database.query('SELECT description, metadata FROM charges');
    expect(row).toEqual({ description: 'Order 42', metadata: { orderId: '42', 'shop.channel': 'web' } });
  });

  it.each([
    ['5555555555554444', '123', 'mastercard', '4444'],
    ['2223003122003222', '123', 'mastercard', '3222'],
    ['378282246310005', '1234', 'amex', '0005'],
    ['6011111111111117', '123', 'discover', '1117'],
    ['3056930009020004', '123', 'diners', '0004'],
    ['3566002020360505', '123', 'jcb', '0505'],
    ['6200000000000005', '123', 'unionpay', '0005'],
    ['4000056655665556', '123', 'visa', '5556'],
    ['9999999999999995', '123', 'unknown', '9995'],
    // The shortest and the longest card numbers: the last 4 are the number's own, at any length.
    ['4222222222222', '123', 'visa', '2222'],
    ['4000000000000000006', '123', 'visa', '0006'],
  ])('approves the valid number %s and detects its brand', async (number, cvc, brand, last4) => {
    const { app, database, signIn } = await buildPayment();
    const api = await httpClient(app);
    const alice = await signIn();

    const response = await postCharge(api, alice, chargeBody({ card: card({ number, cvc }) }));

    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ status: 'succeeded', card: { brand, last4 } });
    expect(await database.query('SELECT card_brand, card_last4 FROM charges')).toEqual([{ card_brand: brand, card_last4: last4 }]);
  });

  it.each([
    [DECLINED_CARD, 'card_declined', 'The card was declined'],
    [INSUFFICIENT_FUNDS_CARD, 'insufficient_funds', 'The card has insufficient funds'],
  ])('answers the sandbox card %s with 402 %s and stores a failed charge', async (number, code, message) => {
    const { app, database, signIn } = await buildPayment();
    const api = await httpClient(app);
    const alice = await signIn();

    const response = await postCharge(api, alice, chargeBody({ card: card({ number }) }));

    expect(response.status).toBe(402);
    expect(response.body).toEqual({ statusCode: 402, code, error: 'Payment Required', message });
    const rows = await database.query('SELECT user_id, status, failure_code, amount, card_last4 FROM charges');
    expect(rows).toEqual([{ user_id: alice.id, status: 'failed', failure_code: code, amount: '2500', card_last4: number.slice(-4) }]);
  });

  it('answers an expiry in the past with 402 expired_card, even for a card that would be declined', async () => {
    const { app, database, signIn } = await buildPayment();
    const api = await httpClient(app);
    const alice = await signIn();
    const lastYear = new Date().getUTCFullYear() - 1;

    const expired = await postCharge(api, alice, chargeBody({ card: card({ expYear: lastYear }) }));
    const expiredDeclined = await postCharge(api, alice, chargeBody({ card: card({ number: DECLINED_CARD, expYear: lastYear }) }));

    for (const response of [expired, expiredDeclined]) {
      expect(response.status).toBe(402);
      expect(response.body).toEqual({ statusCode: 402, code: 'expired_card', error: 'Payment Required', message: 'The card has expired' });
    }
    expect(await database.query("SELECT status, failure_code FROM charges WHERE failure_code = 'expired_card'")).toHaveLength(2);
  });

  it('shows a failed charge with its failure code in the list', async () => {
    const { app, signIn } = await buildPayment();
    const api = await httpClient(app);
    const alice = await signIn();
    await postCharge(api, alice, chargeBody({ card: card({ number: DECLINED_CARD }) }));

    const list = await api.get('/payment/charges').set(alice.headers);

    expect(list.body.items).toEqual([expect.objectContaining({ status: 'failed', failureCode: 'card_declined', amountRefunded: 0 })]);
  });

  describe('refuses a malformed request with 400, charging nothing and leaving the key unused', () => {
    it.each([
      ['amount 0', { amount: 0 }, 'body/amount must be >= 1'],
      ['amount above 99,999,999', { amount: 100_000_000 }, 'body/amount must be <= 99999999'],
      ['a fractional amount', { amount: 10.5 }, 'body/amount must be integer'],
      ['an amount given as text', { amount: '2500' }, 'body/amount must be integer'],
      ['no amount', { amount: undefined }, 'body/amount is required'],
      ['a lowercase currency', { currency: 'usd' }, 'body/currency must match pattern'],
      ['a two-letter currency', { currency: 'US' }, 'body/currency must NOT have fewer than 3 characters'],
      ['no card', { card: undefined }, 'body/card is required'],
      ['an 11-digit card number', { card: card({ number: '42424242424' }) }, 'body/card/number must match pattern'],
      ['a 20-digit card number', { card: card({ number: '42424242424242424242' }) }, 'body/card/number must match pattern'],
      ['a card number with spaces', { card: card({ number: '4242 4242 4242 4242' }) }, 'body/card/number must match pattern'],
      ['expMonth 0', { card: card({ expMonth: 0 }) }, 'body/card/expMonth must be >= 1'],
      ['expMonth 13', { card: card({ expMonth: 13 }) }, 'body/card/expMonth must be <= 12'],
      ['a two-digit year', { card: card({ expYear: 27 }) }, 'body/card/expYear must be >= 2000'],
      ['a 2-digit cvc', { card: card({ cvc: '12' }) }, 'body/card/cvc must match pattern'],
      ['a 5-digit cvc', { card: card({ cvc: '12345' }) }, 'body/card/cvc must match pattern'],
      ['a numeric cvc', { card: card({ cvc: 123 }) }, 'body/card/cvc must be string'],
      ['an unknown field', { customerId: 'x' }, 'body/customerId is not allowed'],
      ['an unknown card field', { card: card({ holder: 'Ada' }) }, 'body/card/holder is not allowed'],
      ['a description over 500 characters', { description: 'x'.repeat(501) }, 'body/description must NOT have more than 500 characters'],
      [
        'metadata with 21 keys',
        { metadata: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v'])) },
        'body/metadata must NOT have more than 20 properties',
      ],
      ['a nested metadata value', { metadata: { order: { id: 1 } } }, 'body/metadata/order must be string'],
      ['a metadata key with spaces', { metadata: { 'order id': '1' } }, 'body/metadata must match pattern "^[A-Za-z0-9_.:-]{1,40}$"'],
      [
        'a metadata value over 500 characters',
        { metadata: { note: 'x'.repeat(501) } },
        'body/metadata/note must NOT have more than 500 characters',
      ],
    ])('%s', async (_name, overrides, message) => {
      const { app, database, signIn } = await buildPayment();
      const api = await httpClient(app);
      const alice = await signIn();
      const key = randomUUID();

      const response = await postCharge(api, alice, chargeBody(overrides), key);

      expect(response.status).toBe(400);
      expect(response.body).toEqual({
        statusCode: 400,
        code: 'FST_ERR_VALIDATION',
        error: 'Bad Request',
        message: expect.stringContaining(message),
      });
      expect(await countRows(database)).toEqual({ charges: 0, keys: 0 });
      // The same key still works for the corrected request.
      expect((await postCharge(api, alice, chargeBody(), key)).status).toBe(201);
    });

    it.each([
      ['failing the Luhn check', '4242424242424241'],
      ['starting with 0, which no card issuer uses (all zeros pass the Luhn check)', '0000000000000000'],
    ])('a number %s: PAYMENT_INVALID_CARD_NUMBER', async (_, number) => {
      const { app, database, signIn } = await buildPayment();
      const api = await httpClient(app);
      const alice = await signIn();
      const key = randomUUID();

      const response = await postCharge(api, alice, chargeBody({ card: card({ number }) }), key);

      expect(response.status).toBe(400);
      expect(response.body).toEqual({
        statusCode: 400,
        code: 'PAYMENT_INVALID_CARD_NUMBER',
        error: 'Bad Request',
        message: 'The card number is not valid',
      });
      expect(await countRows(database)).toEqual({ charges: 0, keys: 0 });
      expect((await postCharge(api, alice, chargeBody(), key)).status).toBe(201);
    });

    it("a currency other than the shop's: PAYMENT_CURRENCY_NOT_ACCEPTED", async () => {
      const { app, database, signIn } = await buildPayment();
      const api = await httpClient(app);
      const alice = await signIn();

      const response = await postCharge(api, alice, chargeBody({ currency: 'EUR' }));

      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ code: 'PAYMENT_CURRENCY_NOT_ACCEPTED', message: 'This shop only accepts USD' });
      expect(await countRows(database)).toEqual({ charges: 0, keys: 0 });
    });

    // An order id whose digit groups (27-2033-5179-2931) would pass the Luhn check: part of the id, not a card.
    const ORDER_ID = 'abcdef27-2033-5179-2931-abcdefabcdef';
    it.each([
      ['the description', { description: 'paid with 4242 4242 4242 4242' }],
      ['a metadata value', { metadata: { note: 'pan:5555-5555-5555-4444' } }],
      ['a metadata key', { metadata: { '4000000000000002': 'x' } }],
    ])('a card number in %s: PAYMENT_CARD_NUMBER_IN_TEXT, nothing stored', async (_where, text) => {
      const { app, database, signIn } = await buildPayment();
      const api = await httpClient(app);
      const alice = await signIn();
      const key = randomUUID();

      const response = await postCharge(api, alice, chargeBody(text), key);

      expect(response.status).toBe(400);
      expect(response.body).toEqual({
        statusCode: 400,
        code: 'PAYMENT_CARD_NUMBER_IN_TEXT',
        error: 'Bad Request',
        message: 'The description and metadata must not hold a card number: it would be stored as written',
      });
      expect(await countRows(database)).toEqual({ charges: 0, keys: 0 });
      expect(
        (await postCharge(api, alice, chargeBody({ description: `myshop order ${ORDER_ID}`, metadata: { orderId: ORDER_ID } }), key))
          .status,
      ).toBe(201);
    });

    it('an order id whose last digit groups pass the Luhn check is no card number: charged', async () => {
      // 8131-324571095776: 16 digits no letter touches, as about one random UUID in 13,000 ends.
      // Refused, its checkout could never be paid: every retry sends the same order id.
      const orderId = '64705bcb-3315-468e-8131-324571095776';
      const { app, signIn } = await buildPayment();
      const api = await httpClient(app);

      const response = await postCharge(api, await signIn(), chargeBody({ description: `myshop order ${orderId}`, metadata: { orderId } }));

      expect(response.status, JSON.stringify(response.body)).toBe(201);
      expect(response.body.metadata).toEqual({ orderId });
    });

    it('a body that is not JSON', async () => {
      const { app, database, signIn } = await buildPayment();
      const api = await httpClient(app);
      const alice = await signIn();

      const response = await api
        .post('/payment/charges')
        .set({ ...alice.cart, 'idempotency-key': 'k', 'content-type': 'application/json' })
        .send('{"amount": 25');

      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect(await countRows(database)).toEqual({ charges: 0, keys: 0 });
    });

    it('no Idempotency-Key header', async () => {
      const { app, database, signIn } = await buildPayment();
      const api = await httpClient(app);
      const alice = await signIn();

      const response = await postCharge(api, alice, chargeBody(), null);

      expect(response.status).toBe(400);
      expect(response.body).toEqual({
        statusCode: 400,
        code: 'FST_ERR_VALIDATION',
        error: 'Bad Request',
        message: 'headers/idempotency-key is required',
      });
      expect(await countRows(database)).toEqual({ charges: 0, keys: 0 });
    });

    it.each([
      ['empty', ''],
      ['with a space', 'my key'],
      ['longer than 255 characters', 'k'.repeat(256)],
    ])('an Idempotency-Key that is %s', async (_name, key) => {
      const { app, database, signIn } = await buildPayment();
      const api = await httpClient(app);
      const alice = await signIn();

      const response = await postCharge(api, alice, chargeBody(), key);

      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ code: 'FST_ERR_VALIDATION', message: expect.stringContaining('headers/idempotency-key') });
      expect(await countRows(database)).toEqual({ charges: 0, keys: 0 });
    });
  });

  it('accepts the currency the shop is configured with', async () => {
    const { app, database, signIn } = await buildPayment({ env: { CURRENCY: 'EUR' } });
    const api = await httpClient(app);
    const alice = await signIn();

    expect((await postCharge(api, alice, chargeBody({ currency: 'USD' }))).status).toBe(400);
    const response = await postCharge(api, alice, chargeBody({ currency: 'EUR' }));

    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ currency: 'EUR' });
    expect(await database.query('SELECT currency FROM charges')).toEqual([{ currency: 'EUR' }]);
  });

  it.each([
    ['no token', {}],
    ['a malformed token', { authorization: 'Bearer not-a-token' }],
    ['a token signed by someone else', { authorization: 'Bearer eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2ln' }],
  ])('refuses a request with %s with 401 and charges nothing', async (_name, headers) => {
    const { app, database } = await buildPayment();
    const api = await httpClient(app);

    const response = await postCharge(api, { cart: headers }, chargeBody());

    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ statusCode: 401, code: expect.stringMatching(/^AUTH_/) });
    expect(await countRows(database)).toEqual({ charges: 0, keys: 0 });
  });

  it('refuses an expired token with 401', async () => {
    const { app, database, issuer } = await buildPayment();
    const api = await httpClient(app);
    const token = await issuer.signService(randomUUID(), { scope: 'payment:charge', expiresIn: Math.floor(Date.now() / 1000) - 60 });

    const response = await postCharge(api, { cart: { authorization: `Bearer ${token}` } }, chargeBody());

    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ code: 'AUTH_INVALID_TOKEN' });
    expect(await countRows(database)).toEqual({ charges: 0, keys: 0 });
  });

  it.each([
    ['the shopper’s own token', 'shopper'],
    ['an operator’s token', 'operator'],
    ['the cart’s token for itself (refund feed scope)', 'feed'],
  ])('refuses %s with 403 and charges nothing: only the cart, acting for a shopper, charges', async (_name, who) => {
    const { app, database, issuer, signIn } = await buildPayment();
    const api = await httpClient(app);
    const alice = await signIn();
    const token =
      who === 'shopper'
        ? await issuer.sign(alice.id)
        : who === 'operator'
          ? await issuer.signOperator(alice.id)
          : await issuer.signClient('cart', { scope: 'payment:refunds:read' });

    const response = await postCharge(api, { cart: { authorization: `Bearer ${token}` } }, chargeBody());

    expect(response.status).toBe(403);
    expect(response.body).toMatchObject({ statusCode: 403, code: 'AUTH_FORBIDDEN', error: 'Forbidden' });
    expect(response.headers['www-authenticate']).toContain('insufficient_scope');
    expect(await countRows(database)).toEqual({ charges: 0, keys: 0 });
  });

  it('treats a retry that differs only in the CVC as the same request (the CVC is never kept, not even hashed)', async () => {
    const { app, database, signIn } = await buildPayment();
    const api = await httpClient(app);
    const alice = await signIn();
    const first = await postCharge(api, alice, chargeBody(), 'same-key');
    const retry = await postCharge(api, alice, chargeBody({ card: card({ cvc: '999' }) }), 'same-key');

    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body).toEqual(first.body);
    expect(await countRows(database)).toEqual({ charges: 1, keys: 1 });
  });
});

describe('POST /payment/charges with a repeated Idempotency-Key', () => {
  it('replays the first response exactly, with Idempotent-Replayed: true, and charges once', async () => {
    const { app, database, signIn } = await buildPayment();
    const api = await httpClient(app);
    const alice = await signIn();
    const body = chargeBody({ description: 'Order 7', metadata: { b: '2', a: '1' } });

    const first = await postCharge(api, alice, body, 'order-7');
    const retry = await postCharge(api, alice, body, 'order-7');

    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.text).toBe(first.text);
    // Both name where the charge is read, and the shopper reads it there.
    expect(first.headers.location).toBe(`/payment/charges/${first.body.id}`);
    expect(retry.headers.location).toBe(first.headers.location);
    const read = await api.get(first.headers.location!).set(alice.headers);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(first.body);
    expect(await database.query('SELECT id FROM charges')).toEqual([{ id: first.body.id }]);
    expect(await database.query('SELECT status, response_status FROM idempotency_keys')).toEqual([
      { status: 'completed', response_status: 201 },
    ]);
  });

  it('replays a decline as the same 402 without recording a second failed charge', async () => {
    const { app, database, signIn } = await buildPayment();
    const api = await httpClient(app);
    const alice = await signIn();
    const body = chargeBody({ card: card({ number: DECLINED_CARD }) });

    const first = await postCharge(api, alice, body, 'k');
    const retry = await postCharge(api, alice, body, 'k');

    expect(first.status).toBe(402);
    expect(retry.status).toBe(402);
    expect(first.headers.location).toBeUndefined();
    expect(retry.headers.location).toBeUndefined();
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.text).toBe(first.text);
    expect(await database.query('SELECT status FROM charges')).toEqual([{ status: 'failed' }]);
  });

  it('replays the first response exactly after a refund changed the charge', async () => {
    const { app, signIn, signInOperator } = await buildPayment();
    const api = await httpClient(app);
    const alice = await signIn();
    const operator = await signInOperator();
    const first = await postCharge(api, alice, chargeBody({ amount: 2500 }), 'k');
    expect((await postRefund(api, operator, first.body.id, { amount: 1000 })).status).toBe(201);

    const retry = await postCharge(api, alice, chargeBody({ amount: 2500 }), 'k');

    expect(retry.status).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    // The stored answer, not the charge as it stands now (amountRefunded 1000).
    expect(retry.text).toBe(first.text);
    expect(retry.body.amountRefunded).toBe(0);
  });

  it('treats the same body with its fields in another order as the same request', async () => {
    const { app, database, signIn } = await buildPayment();
    const api = await httpClient(app);
    const alice = await signIn();

    const first = await postCharge(api, alice, { amount: 100, currency: 'USD', card: card({}) }, 'k');
    const retry = await postCharge(
      api,
      alice,
      { card: { cvc: '123', expYear: FUTURE_YEAR, expMonth: 12, number: VISA }, currency: 'USD', amount: 100 },
      'k',
    );

    expect(retry.status).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body.id).toBe(first.body.id);
    expect(await database.query('SELECT id FROM charges')).toHaveLength(1);
  });

  it.each([
    ['another amount', { amount: 2501 }],
    ['another card number', { card: card({ number: '4000056655665556' }) }],
    ['a description added', { description: 'now with text' }],
    // The same number with another expiry is another card to the processor (expired_card or not).
    ['another expiry', { card: card({ expMonth: 11 }) }],
    // Metadata is stored with the charge and names the order it pays for (the refund feed's orderId).
    ['other metadata', { metadata: { orderId: 'another-order' } }],
  ])('answers the same key with %s with 422 PAYMENT_IDEMPOTENCY_KEY_REUSED and charges nothing more', async (_name, overrides) => {
    const { app, database, signIn } = await buildPayment();
    const api = await httpClient(app);
    const alice = await signIn();
    const first = await postCharge(api, alice, chargeBody(), 'k');

    const reused = await postCharge(api, alice, chargeBody(overrides), 'k');

    expect(reused.status).toBe(422);
    expect(reused.body).toEqual({
      statusCode: 422,
      code: 'PAYMENT_IDEMPOTENCY_KEY_REUSED',
      error: 'Unprocessable Entity',
      message: 'This Idempotency-Key was already used for a different request',
    });
    expect(await database.query('SELECT id FROM charges')).toEqual([{ id: first.body.id }]);
  });

  it('keeps keys per user: another user with the same key gets a charge of their own', async () => {
    const { app, database, signIn } = await buildPayment();
    const api = await httpClient(app);
    const alice = await signIn();
    const bob = await signIn();

    const forAlice = await postCharge(api, alice, chargeBody(), 'same-key');
    const forBob = await postCharge(api, bob, chargeBody(), 'same-key');

    expect(forBob.status).toBe(201);
    expect(forBob.headers['idempotent-replayed']).toBeUndefined();
    expect(forBob.body.id).not.toBe(forAlice.body.id);
    expect(await database.query('SELECT user_id FROM charges ORDER BY user_id')).toEqual(
      [{ user_id: alice.id }, { user_id: bob.id }].sort((a, b) => a.user_id.localeCompare(b.user_id)),
    );
  });

  it('replays to each shopper their own charge when two shoppers retry one key', async () => {
    const { app, signIn } = await buildPayment();
    const api = await httpClient(app);
    const alice = await signIn();
    const bob = await signIn();
    const forAlice = await postCharge(api, alice, chargeBody(), 'same-key');
    const forBob = await postCharge(api, bob, chargeBody(), 'same-key');

    const bobAgain = await postCharge(api, bob, chargeBody(), 'same-key');
    const aliceAgain = await postCharge(api, alice, chargeBody(), 'same-key');

    expect(forBob.body.id).not.toBe(forAlice.body.id);
    expect(bobAgain.status).toBe(201);
    expect(bobAgain.body.id).toBe(forBob.body.id);
    expect(aliceAgain.body.id).toBe(forAlice.body.id);
  });

  it('keeps a charge’s stored answer IDEMPOTENCY_TTL_HOURS', async () => {
    const { app, database, signIn } = await buildPayment({ env: { IDEMPOTENCY_TTL_HOURS: '48' } });
    const api = await httpClient(app);
    expect((await postCharge(api, await signIn(), chargeBody(), 'k')).status).toBe(201);
    const [row] = await database.query<{ hours: number }>(
      'SELECT extract(epoch FROM expires_at - created_at)::int / 3600 AS hours FROM idempotency_keys',
    );
    expect(row).toEqual({ hours: 48 });
  });

  it('answers 409 PAYMENT_IDEMPOTENCY_IN_PROGRESS while the first request with the key has not finished', async () => {
    const { app, database, signIn } = await buildPayment();
    const api = await httpClient(app);
    const alice = await signIn();
    await postCharge(api, alice, chargeBody(), 'k');
    // As it looks from another replica while the first request is still running: its key claimed,
    // its charge not written yet.
    await database.query(
      "UPDATE idempotency_keys SET status = 'in_progress', response_status = NULL, response_body = NULL, lease_expires_at = now() + interval '30 seconds'",
    );
    await database.query('DELETE FROM charges');

    const retry = await postCharge(api, alice, chargeBody(), 'k');

    expect(retry.status).toBe(409);
    expect(retry.body).toMatchObject({ statusCode: 409, code: 'PAYMENT_IDEMPOTENCY_IN_PROGRESS' });
    expect(retry.headers['retry-after']).toBe('1');
    expect(await database.query('SELECT id FROM charges')).toHaveLength(0);
  });

  it('documents the Idempotent-Replayed header on its 409, which a key voided earlier replays', async () => {
    const { app, signIn } = await buildPayment();
    const api = await httpClient(app);
    const alice = await signIn();
    await api.post('/payment/charges/void').set({ ...alice.cart, 'idempotency-key': 'voided' });

    const late = await postCharge(api, alice, chargeBody(), 'voided');

    expect(late.status).toBe(409);
    expect(late.headers['idempotent-replayed']).toBe('true');
    const document = (await api.get('/payment/openapi.json')).body;
    expect(Object.keys(document.paths['/payment/charges'].post.responses['409'].headers)).toContain('idempotent-replayed');
  });

  it('documents which metadata keys it takes, as it refuses the others', async () => {
    const { app, signIn } = await buildPayment();
    const api = await httpClient(app);
    const alice = await signIn();
    const document = (await api.get('/payment/openapi.json')).body;
    const metadata = document.paths['/payment/charges'].post.requestBody.content['application/json'].schema.properties.metadata;
    const keyRule = new RegExp(metadata.propertyNames?.pattern ?? '');

    for (const key of ['order id', '', 'k'.repeat(41), 'orderId', 'shop.channel']) {
      const response = await postCharge(api, alice, chargeBody({ metadata: { [key]: 'v' } }), randomUUID());
      expect([key, response.status === 201]).toEqual([key, keyRule.test(key)]);
    }
  });

  it('makes exactly one charge from 50 parallel identical requests spread over two replicas on one database', async () => {
    // Pools big enough that 25 simultaneous requests per replica never wait out the pool's
    // connection timeout on a busy machine (a 503 would say nothing about the key).
    const { app, database, replica, signIn } = await buildPayment({ env: { DATABASE_POOL_MAX: '25' } });
    const api = await httpClient(app);
    const otherApi = await httpClient(await replica());
    const alice = await signIn();
    const body = chargeBody({ metadata: { orderId: 'o-1' } });

    // Each click is a client that, told 503 (a replica shedding load on a busy machine), tries
    // again with the same key, as the API asks: what comes back in the end is what is judged.
    const click = async (client: typeof api) => {
      for (let attempt = 1; ; attempt += 1) {
        const response = await postCharge(client, alice, body, 'checkout-o-1');
        if (response.status !== 503 || attempt === 20) return response;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    };
    const responses = await Promise.all(Array.from({ length: 50 }, (_, index) => click(index % 2 === 0 ? api : otherApi)));

    const charges = await database.query<{ id: string }>('SELECT id FROM charges');
    expect(charges).toHaveLength(1);
    // Anything else, with its body, says what went wrong.
    expect(
      responses
        .filter((response) => response.status !== 201 && response.status !== 409)
        .map((response) => [response.status, response.body]),
    ).toEqual([]);
    const created = responses.filter((response) => response.status === 201);
    // Exactly one first answer; every other 201 is its replay.
    expect(created.filter((response) => response.headers['idempotent-replayed'] !== 'true')).toHaveLength(1);
    for (const response of created) expect(response.body).toEqual(expect.objectContaining({ id: charges[0]!.id }));
    for (const response of responses.filter((r) => r.status === 409)) {
      expect(response.body).toMatchObject({ code: 'PAYMENT_IDEMPOTENCY_IN_PROGRESS' });
    }
    // Once settled, any replica replays it.
    const late = await postCharge(otherApi, alice, body, 'checkout-o-1');
    expect(late.status).toBe(201);
    expect(late.headers['idempotent-replayed']).toBe('true');
  });
});
