import { randomUUID } from 'node:crypto';
import { createTestIssuer, serveIssuer } from '@myshop/auth/testing';
import { buildTestApp } from '@myshop/testing';
import { describe, expect, it, onTestFinished } from 'vitest';
import { buildCartApp } from '../src/app.ts';
import { buildCart, cartConfig } from './helpers.ts';

describe('the cart app', () => {
  it('documents every route in its OpenAPI document', async () => {
    const { app } = await buildCart();
    const response = await app.inject({ method: 'GET', url: '/cart/openapi.json' });
    expect(response.statusCode).toBe(200);
    const document = response.json() as { info: { title: string }; paths: Record<string, Record<string, unknown>> };
    expect(document.info.title).toBe('myshop cart service');
    expect((document.info as { description?: string }).description).toContain('## Who can move money');
    const routes = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(routes.sort()).toEqual(
      [
        'DELETE /cart',
        'DELETE /cart/items/{productId}',
        'GET /cart',
        'GET /cart/orders',
        'GET /cart/orders/{id}',
        'GET /cart/products',
        'GET /cart/products/{id}',
        'POST /cart/checkout',
        'POST /cart/items',
        'PUT /cart/items/{productId}',
      ].sort(),
    );
  });

  it('is ready once migrated, and stays ready while payment is unreachable', async () => {
    const { app } = await buildCart();
    const response = await app.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ready', checks: { database: 'ok' } });
  });

  it('answers unknown routes with the JSON error shape', async () => {
    const { app } = await buildCart();
    const response = await app.inject({ method: 'GET', url: '/cart/nothing-here' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({
      statusCode: 404,
      code: 'NOT_FOUND',
      error: 'Not Found',
      message: 'Route GET /cart/nothing-here not found',
    });
  });
});

describe('buildCartApp', () => {
  it('builds the service as server.ts runs it, verifying tokens with the keys at JWKS_URL', async () => {
    const issuer = await createTestIssuer();
    const served = await serveIssuer(issuer);
    onTestFinished(() => served.close());
    const config = cartConfig({ JWKS_URL: served.jwksUrl });
    const { app } = await buildTestApp('cart', ({ databaseUrl, logger }) => buildCartApp({ config, logger, databaseUrl }));
    const token = await issuer.sign(randomUUID());
    const response = await app.inject({ method: 'GET', url: '/cart', headers: { authorization: `Bearer ${token}` } });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ items: [], subtotal: 0, currency: 'USD' });
  });
});
