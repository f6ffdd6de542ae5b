import { randomUUID } from 'node:crypto';
import { buildTestApp } from '@myshop/testing';
import { describe, expect, it } from 'vitest';
import { buildPaymentApp } from '../src/app.ts';
import { buildPayment, chargeBody, paymentConfig, servedIssuer } from './helpers.ts';

describe('the payment app', () => {
  it('verifies tokens with the key set at JWKS_URL, as it runs in the cluster', async () => {
    const { issuer, url } = await servedIssuer();
    const config = paymentConfig({ JWKS_URL: url });
    const { app, database } = await buildTestApp('payment', ({ databaseUrl, logger }) => buildPaymentApp({ config, logger, databaseUrl }));
    const userId = randomUUID();

    const response = await app.inject({
      method: 'POST',
      url: '/payment/charges',
      headers: { authorization: `Bearer ${await issuer.signService(userId, { scope: 'payment:charge' })}`, 'idempotency-key': 'k' },
      payload: chargeBody(),
    });

    expect(response.statusCode).toBe(201);
    expect(await database.query('SELECT user_id FROM charges')).toEqual([{ user_id: userId }]);
  });

  it('answers 503 when the key set cannot be fetched, and charges nothing', async () => {
    const { issuer } = await servedIssuer();
    // Nothing listens on port 9 here.
    const config = paymentConfig({ JWKS_URL: 'http://127.0.0.1:9/user/.well-known/jwks.json' });
    const { app, database } = await buildTestApp('payment', ({ databaseUrl, logger }) => buildPaymentApp({ config, logger, databaseUrl }));

    const response = await app.inject({
      method: 'POST',
      url: '/payment/charges',
      headers: { authorization: `Bearer ${await issuer.signService(randomUUID(), { scope: 'payment:charge' })}`, 'idempotency-key': 'k' },
      payload: chargeBody(),
    });

    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ statusCode: 503, code: 'AUTH_KEYS_UNAVAILABLE' });
    expect(await database.query('SELECT * FROM charges')).toEqual([]);
  });

  it('serves its OpenAPI document, every payment route with its request and response schemas', async () => {
    const { app } = await buildPayment();

    const response = await app.inject({ url: '/payment/openapi.json' });

    expect(response.statusCode).toBe(200);
    const document = response.json();
    expect(document.info.description).toContain('## Who can move money');
    expect(Object.keys(document.paths).sort()).toEqual([
      '/payment/charges',
      '/payment/charges/void',
      '/payment/charges/{id}',
      '/payment/charges/{id}/refunds',
      '/payment/refunds',
    ]);
    const create = document.paths['/payment/charges'].post;
    expect(create.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ in: 'header', name: 'idempotency-key', required: true })]),
    );
    expect(Object.keys(create.responses)).toEqual(expect.arrayContaining(['201', '400', '401', '402', '403', '409', '422']));
    expect(create.security).toEqual([{ bearerAuth: [] }]);
  });

  it('is ready once migrated, and says so on /readyz', async () => {
    const { app } = await buildPayment();

    const response = await app.inject({ url: '/readyz' });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ready', checks: { database: 'ok' } });
  });
});
