import { randomUUID } from 'node:crypto';
import { SCOPES } from '@myshop/auth';
import { httpClient } from '@myshop/testing';
import { describe, expect, it } from 'vitest';
import { buildPayment, chargeBody, postCharge, postRefund, DECLINED_CARD, FUTURE_YEAR, type Shopper } from '../helpers.ts';

type Payment = Awaited<ReturnType<typeof buildPayment>>;

async function voidCharge(payment: Payment, user: Pick<Shopper, 'cart'>, key: string) {
  const api = await httpClient(payment.app);
  return api.post('/payment/charges/void').set({ ...user.cart, 'idempotency-key': key });
}

/**
 * A claim of `key` that another replica's attempt holds, never completed: its lease ends in
 * `leaseSeconds` (in the past: the replica died). A void's claim unless `fingerprint` says otherwise.
 */
function claimHeldElsewhere(payment: Payment, userId: string, key: string, leaseSeconds: number, fingerprint = 'voided') {
  return payment.database.query(
    `INSERT INTO idempotency_keys (user_id, key, fingerprint, status, claim, lease_expires_at, expires_at)
     VALUES ($1, $2, $3, 'in_progress', gen_random_uuid(), now() + make_interval(secs => $4), now() + interval '1 day')`,
    [userId, key, fingerprint, leaseSeconds],
  );
}

const VOIDED = {
  statusCode: 409,
  code: 'PAYMENT_CHARGE_VOIDED',
  error: 'Conflict',
  message: 'The charge attempt with this Idempotency-Key was voided: nothing was charged, and nothing will be',
};

describe('POST /payment/charges/void', () => {
  it('voids a key that never charged: 409 PAYMENT_CHARGE_VOIDED, and a late charge with the key gets the same, charging nothing', async () => {
    const payment = await buildPayment();
    const api = await httpClient(payment.app);
    const alice = await payment.signIn();

    const voided = await voidCharge(payment, alice, 'lost-attempt');
    expect(voided.status).toBe(409);
    expect(voided.body).toEqual(VOIDED);
    expect(voided.headers['idempotent-replayed']).toBeUndefined();

    const late = await postCharge(api, alice, chargeBody(), 'lost-attempt');
    expect(late.status).toBe(409);
    expect(late.body).toEqual(VOIDED);
    expect(late.headers['idempotent-replayed']).toBe('true');
    expect(await payment.database.query('SELECT * FROM charges')).toEqual([]);
    // Voiding again is answered the same.
    expect((await voidCharge(payment, alice, 'lost-attempt')).body).toEqual(VOIDED);
  });

  it('counts each answer it replays in myshop_payment_idempotent_replays_total, as the charge route does', async () => {
    const payment = await buildPayment();
    const api = await httpClient(payment.app);
    const alice = await payment.signIn();
    expect((await postCharge(api, alice, chargeBody(), 'finished')).status).toBe(201);
    expect((await voidCharge(payment, alice, 'lost-attempt')).headers['idempotent-replayed']).toBeUndefined();

    const replays = [await voidCharge(payment, alice, 'finished'), await voidCharge(payment, alice, 'lost-attempt')];

    expect(replays.map((replay) => [replay.status, replay.headers['idempotent-replayed']])).toEqual([
      [201, 'true'],
      [409, 'true'],
    ]);
    expect(await payment.app.metrics.registry.metrics()).toContain('myshop_payment_idempotent_replays_total{service="payment"} 2');
  });

  it('answers a charge that comes while a void of its key runs with 409 in progress, not as a reused key', async () => {
    const payment = await buildPayment();
    const api = await httpClient(payment.app);
    const alice = await payment.signIn();
    // The void's claim, as another replica holds it while it looks for what the key did.
    await claimHeldElsewhere(payment, alice.id, 'racing', 6);
    const racing = await postCharge(api, alice, chargeBody(), 'racing');
    expect(racing.status).toBe(409);
    expect(racing.body.code).toBe('PAYMENT_IDEMPOTENCY_IN_PROGRESS');
    expect(racing.headers['retry-after']).toBe('1');
    expect(await payment.database.query('SELECT * FROM charges')).toEqual([]);
  });

  it('finishes a void whose process died once its lease ran out: a charge with the key gets the voided answer, replayed, charging nothing', async () => {
    const payment = await buildPayment();
    const api = await httpClient(payment.app);
    const alice = await payment.signIn();
    // What a replica that died mid-void leaves behind: its claim, never completed, the lease run out.
    await claimHeldElsewhere(payment, alice.id, 'void-died', -1);

    const late = await postCharge(api, alice, chargeBody(), 'void-died');

    expect(late.status).toBe(409);
    expect(late.body).toEqual(VOIDED);
    expect(late.headers['idempotent-replayed']).toBe('true');
    expect(await payment.database.query('SELECT * FROM charges')).toEqual([]);
    // Stored as the void stores it: completed, and never forgotten, so no later charge may act either.
    expect(
      await payment.database.query(`SELECT fingerprint, status, response_status, expires_at = 'infinity' AS forever FROM idempotency_keys`),
    ).toEqual([{ fingerprint: 'voided', status: 'completed', response_status: 409, forever: true }]);
    expect((await postCharge(api, alice, chargeBody(), 'void-died')).body).toEqual(VOIDED);
  });

  it('lets one replica finish a dead void when several charges find it at once: the others wait or replay it, none charges', async () => {
    const payment = await buildPayment();
    const replicas = [payment.app, await payment.replica(), await payment.replica()];
    const alice = await payment.signIn();
    await claimHeldElsewhere(payment, alice.id, 'void-died', -1);

    const clients = await Promise.all(replicas.map((replica) => httpClient(replica)));
    const answers = await Promise.all(clients.flatMap((api) => [1, 2].map(() => postCharge(api, alice, chargeBody(), 'void-died'))));

    for (const answer of answers) {
      expect(answer.status).toBe(409);
      expect(['PAYMENT_CHARGE_VOIDED', 'PAYMENT_IDEMPOTENCY_IN_PROGRESS']).toContain(answer.body.code);
    }
    expect(answers.some((answer) => answer.body.code === 'PAYMENT_CHARGE_VOIDED')).toBe(true);
    expect(await payment.database.query('SELECT * FROM charges')).toEqual([]);
    expect(await payment.database.query('SELECT status, response_status FROM idempotency_keys')).toEqual([
      { status: 'completed', response_status: 409 },
    ]);
  });

  it('answers what a finished attempt got: the charge (201) or the decline (402), replayed, nothing more charged', async () => {
    const payment = await buildPayment();
    const api = await httpClient(payment.app);
    const alice = await payment.signIn();
    const charged = await postCharge(api, alice, chargeBody(), 'paid');
    const declined = await postCharge(
      api,
      alice,
      chargeBody({ card: { number: DECLINED_CARD, expMonth: 1, expYear: FUTURE_YEAR, cvc: '123' } }),
      'declined',
    );

    const paid = await voidCharge(payment, alice, 'paid');
    expect(paid.status).toBe(201);
    expect(paid.headers['idempotent-replayed']).toBe('true');
    expect(paid.text).toBe(charged.text);
    expect(paid.headers.location).toBe(`/payment/charges/${charged.body.id}`);
    const refused = await voidCharge(payment, alice, 'declined');
    expect(refused.status).toBe(402);
    expect(refused.text).toBe(declined.text);
    expect(await payment.database.query('SELECT count(*)::int AS n FROM charges')).toEqual([{ n: 2 }]);
  });

  it('waits for an attempt still running (409 in progress), and takes over one whose process died', async () => {
    const payment = await buildPayment();
    const alice = await payment.signIn();
    const insertAttempt = (key: string, leaseSeconds: number) => claimHeldElsewhere(payment, alice.id, key, leaseSeconds, 'some-request');
    await insertAttempt('running', 30);
    await insertAttempt('died', -1);

    const running = await voidCharge(payment, alice, 'running');
    expect(running.status).toBe(409);
    expect(running.body.code).toBe('PAYMENT_IDEMPOTENCY_IN_PROGRESS');
    expect(running.headers['retry-after']).toBe('1');
    const died = await voidCharge(payment, alice, 'died');
    expect(died.body).toEqual(VOIDED);
    expect(await payment.database.query(`SELECT key, status FROM idempotency_keys ORDER BY key`)).toEqual([
      { key: 'died', status: 'completed' },
      { key: 'running', status: 'in_progress' },
    ]);
  });

  it('voids only the caller’s own key: another shopper’s attempt with the same key still charges', async () => {
    const payment = await buildPayment();
    const api = await httpClient(payment.app);
    const [alice, bob] = [await payment.signIn(), await payment.signIn()];
    expect((await voidCharge(payment, alice, 'same')).status).toBe(409);
    expect((await postCharge(api, bob, chargeBody(), 'same')).status).toBe(201);
  });

  it('never answers a void with another shopper’s charge under the same key: it voids the caller’s own attempt', async () => {
    const payment = await buildPayment();
    const api = await httpClient(payment.app);
    const [alice, bob] = [await payment.signIn(), await payment.signIn()];
    const alices = await postCharge(api, alice, chargeBody(), 'same');
    expect(alices.status).toBe(201);

    // Bob's attempt with the key was lost before it charged: his order must not pass for paid with Alice's charge.
    const bobs = await voidCharge(payment, bob, 'same');

    expect(bobs.status).toBe(409);
    expect(bobs.body).toEqual(VOIDED);
    expect((await postCharge(api, bob, chargeBody(), 'same')).body).toEqual(VOIDED);
    expect(await payment.database.query('SELECT user_id FROM charges')).toEqual([{ user_id: alice.id }]);
  });

  it('refuses a key an operator who also shops used for a refund: 422 reused, and the refund still replays', async () => {
    const payment = await buildPayment();
    const api = await httpClient(payment.app);
    const charge = await postCharge(api, await payment.signIn(), chargeBody());
    // One user id for both: the operator's own token refunds, the cart's token for them checks out.
    const operator = await payment.signInOperator();
    const shopping = { cart: { authorization: `Bearer ${await payment.issuer.signService(operator.id, { scope: SCOPES.charge })}` } };
    const refund = await postRefund(api, operator, charge.body.id, { amount: 100 }, 'shared');
    expect(refund.status).toBe(201);

    const voided = await voidCharge(payment, shopping, 'shared');
    expect(voided.status).toBe(422);
    expect(voided.body).toMatchObject({ statusCode: 422, code: 'PAYMENT_IDEMPOTENCY_KEY_REUSED' });

    const retried = await postRefund(api, operator, charge.body.id, { amount: 100 }, 'shared');
    expect(retried.status).toBe(201);
    expect(retried.body).toEqual(refund.body);
    expect(await payment.database.query('SELECT count(*)::int AS charges FROM charges')).toEqual([{ charges: 1 }]);
  });

  it('is the cart’s, acting for a shopper: a shopper’s or an operator’s token is 403', async () => {
    const payment = await buildPayment();
    const alice = await payment.signIn();
    const operator = await payment.signInOperator();
    for (const headers of [alice.headers, operator.headers]) {
      const response = await voidCharge(payment, { cart: headers }, randomUUID());
      expect(response.status).toBe(403);
    }
    expect(await payment.database.query('SELECT * FROM idempotency_keys')).toEqual([]);
  });

  it('takes no body or an empty object, and refuses anything in it with 400, voiding nothing', async () => {
    const payment = await buildPayment();
    const api = await httpClient(payment.app);
    const alice = await payment.signIn();

    const withFields = await api
      .post('/payment/charges/void')
      .set({ ...alice.cart, 'idempotency-key': 'k-1' })
      .send({ amount: 5, anything: true });
    expect(withFields.status).toBe(400);
    expect(withFields.body.code).toBe('FST_ERR_VALIDATION');
    expect(await payment.database.query('SELECT key FROM idempotency_keys')).toEqual([]);

    const empty = await api
      .post('/payment/charges/void')
      .set({ ...alice.cart, 'idempotency-key': 'k-1' })
      .send({});
    expect(empty.status).toBe(409);
    expect((await voidCharge(payment, alice, 'k-2')).status).toBe(409);
  });
});
