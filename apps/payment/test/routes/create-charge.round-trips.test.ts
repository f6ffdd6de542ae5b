import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { httpClient } from '@myshop/testing';
import { buildPayment, card, chargeBody, DECLINED_CARD, postCharge } from '../helpers.ts';

/** Every statement any pg client of this process sends from now on: one round trip each. */
function countStatements() {
  const spy = vi.spyOn(pg.Client.prototype, 'query');
  onTestFinished(() => spy.mockRestore());
  return {
    reset: () => spy.mockClear(),
    get count() {
      return spy.mock.calls.length;
    },
  };
}

describe('POST /payment/charges round trips to the database', () => {
  it('makes a new charge in at most 2 (one today: charge, key and answer in one statement)', async () => {
    const { app, signIn } = await buildPayment();
    const api = await httpClient(app);
    const alice = await signIn();
    await postCharge(api, alice); // warms the pool: a connection's setup is not the route's
    const statements = countStatements();

    const response = await postCharge(api, alice);

    expect(response.status).toBe(201);
    expect(statements.count).toBeGreaterThan(0);
    expect(statements.count).toBeLessThanOrEqual(2);
  });

  it('records a decline in at most 2', async () => {
    const { app, signIn } = await buildPayment();
    const api = await httpClient(app);
    const alice = await signIn();
    await postCharge(api, alice);
    const statements = countStatements();

    const response = await postCharge(api, alice, chargeBody({ card: card({ number: DECLINED_CARD }) }));

    expect(response.status).toBe(402);
    expect(statements.count).toBeLessThanOrEqual(2);
  });

  it('replays a retry in at most 2', async () => {
    const { app, signIn } = await buildPayment();
    const api = await httpClient(app);
    const alice = await signIn();
    const key = randomUUID();
    await postCharge(api, alice, chargeBody(), key);
    const statements = countStatements();

    const retry = await postCharge(api, alice, chargeBody(), key);

    expect(retry.status).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(statements.count).toBeLessThanOrEqual(2);
  });
});

describe('POST /payment/charges answer', () => {
  it('is the charge exactly as GET /payment/charges/:id shows it, and as its replay shows it', async () => {
    const { app, signIn } = await buildPayment();
    const api = await httpClient(app);
    const alice = await signIn();
    const key = randomUUID();
    const body = chargeBody({ description: 'Order "42" — ünïcode', metadata: { orderId: 'o-42', note: 'a\\b' } });

    const created = await postCharge(api, alice, body, key);
    const read = await api.get(`/payment/charges/${created.body.id}`).set(alice.headers);
    const replayed = await postCharge(api, alice, body, key);

    expect(created.status).toBe(201);
    expect(read.body).toEqual(created.body);
    expect(replayed.body).toEqual(created.body);
    expect(created.body).toMatchObject({ description: 'Order "42" — ünïcode', metadata: { orderId: 'o-42', note: 'a\\b' } });
  });
});
