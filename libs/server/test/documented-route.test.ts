import { captureLogs } from '@myshop/testing';
import { Type } from 'typebox';
import { describe, expect, it, onTestFinished } from 'vitest';
import { operationId } from '../src/documented-route.ts';
import { createFastify, platformPlugin } from '../src/index.ts';

async function appWithRoutes() {
  const app = createFastify({ logger: captureLogs('demo').logger, bodyLimitBytes: 1024, requestTimeoutMs: 5000 });
  onTestFinished(() => app.close());
  await app.register(platformPlugin, { service: 'demo', version: '1.0.0', description: 'a demo' });
  await app.register(
    async (scope) => {
      scope.get('/', { schema: { security: [{ bearerAuth: [] }], response: { 200: Type.Object({}) } } }, async () => ({}));
      scope.get('/public', { schema: { response: { 200: Type.Object({}) } } }, async () => ({}));
    },
    { prefix: '/demo/basket' },
  );
  return app;
}

describe('the OpenAPI document', () => {
  it("names a plugin's root route without the trailing slash, while both spellings are served", async () => {
    const app = await appWithRoutes();
    const document = (await app.inject({ url: '/demo/openapi.json' })).json();
    expect(Object.keys(document.paths)).toEqual(['/demo/basket', '/demo/basket/public']);
    for (const url of ['/demo/basket', '/demo/basket/']) expect((await app.inject({ url })).statusCode).toBe(200);
  });

  it('says an operation is public when it declares no security, and keeps what one declares', async () => {
    const app = await appWithRoutes();
    const document = (await app.inject({ url: '/demo/openapi.json' })).json();
    expect(document.paths['/demo/basket/public'].get.security).toEqual([]);
    expect(document.paths['/demo/basket'].get.security).toEqual([{ bearerAuth: [] }]);
  });

  it('gives every operation an operationId, unique in the document', async () => {
    const app = await appWithRoutes();
    const document = (await app.inject({ url: '/demo/openapi.json' })).json();
    expect(document.paths['/demo/basket'].get.operationId).toBe('getDemoBasket');
    expect(document.paths['/demo/basket/public'].get.operationId).toBe('getDemoBasketPublic');
  });

  it('declares the Retry-After header of 429 and 503 answers', async () => {
    const app = await appWithRoutes();
    const document = (await app.inject({ url: '/demo/openapi.json' })).json();
    expect(document.paths['/demo/basket'].get.responses['503'].headers['retry-after']).toMatchObject({ schema: { type: 'string' } });
  });
});

describe('operationId', () => {
  it('names an operation by its method and path, parameters as "By…"', () => {
    expect(operationId('GET', '/cart/products/:id')).toBe('getCartProductsById');
    expect(operationId('POST', '/payment/charges/:id/refunds')).toBe('postPaymentChargesByIdRefunds');
    expect(operationId('PUT', '/cart/items/:productId')).toBe('putCartItemsByProductId');
    expect(operationId('GET', '/user/.well-known/jwks.json')).toBe('getUserWellKnownJwksJson');
    expect(operationId('DELETE', '/cart')).toBe('deleteCart');
  });
});
