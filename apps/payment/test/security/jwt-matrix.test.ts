import { randomUUID } from 'node:crypto';
import { forgedTokens } from '@myshop/auth/testing';
import { jwtMatrix, tableState, type RouteCall } from '@myshop/testing';
import { describe, expect, it } from 'vitest';
import { buildPayment, chargeBody, createCharge } from '../helpers.ts';

describe('forged access tokens, on every payment route', () => {
  it('are all refused with 401 and change nothing, while the genuine token works', async () => {
    const { app, issuer, signIn, database } = await buildPayment();
    const user = await signIn();
    const charge = await createCharge(app, user);
    const chargeId = charge.json().id as string;
    const routes: RouteCall[] = [
      { method: 'POST', url: '/payment/charges', headers: { 'idempotency-key': randomUUID() }, payload: chargeBody() },
      { method: 'GET', url: '/payment/charges' },
      { method: 'GET', url: `/payment/charges/${chargeId}` },
      { method: 'POST', url: `/payment/charges/${chargeId}/refunds`, headers: { 'idempotency-key': randomUUID() }, payload: {} },
      { method: 'POST', url: '/payment/charges/void', headers: { 'idempotency-key': randomUUID() } },
      { method: 'GET', url: '/payment/refunds' },
    ];
    const forgeries = await forgedTokens(issuer.signer, user.id);
    const result = await jwtMatrix({
      service: 'payment',
      app,
      routes,
      forgeries,
      state: tableState(database, ['charges', 'refunds', 'idempotency_keys']),
    });
    expect(result.problems).toEqual([]);
    expect(result.refused).toBe(forgeries.length * routes.length);

    const genuine = await app.inject({ url: `/payment/charges/${chargeId}`, headers: user.headers });
    expect(genuine.statusCode).toBe(200);
  });
});
