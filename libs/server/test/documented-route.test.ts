import { captureLogs } from '@myshop/testing';
import { Type } from 'typebox';
import { describe, expect, it, onTestFinished } from 'vitest';
import { operationId } from '../src/documented-route.ts';
import { inProgressConflictResponse } from '@myshop/schemas';
import { createFastify, noBodyAsEmptyObject, platformPlugin, replayableResponse } from '../src/index.ts';

async function appWithRoutes() {
  const app = createFastify({ logger: captureLogs('demo').logger, bodyLimitBytes: 1024, requestTimeoutMs: 5000 });
  onTestFinished(() => app.close());
  await app.register(platformPlugin, { service: 'demo', version: '1.0.0', description: 'a demo' });
  await app.register(
    async (scope) => {
      scope.get('/', { schema: { security: [{ bearerAuth: [] }], response: { 200: Type.Object({}) } } }, async () => ({}));
      scope.get('/public', { schema: { response: { 200: Type.Object({}) } } }, async () => ({}));
      const Note = Type.Object({ note: Type.Optional(Type.String()) }, { additionalProperties: false });
      const conflict = { 409: replayableResponse(inProgressConflictResponse()) };
      scope.post('/notes', { schema: { body: Note, response: { 200: Note, ...conflict } } }, async (request) => request.body);
      scope.post(
        '/maybe-notes',
        { preValidation: noBodyAsEmptyObject, schema: { body: Note, response: { 200: Note } } },
        async (request) => request.body,
      );
    },
    { prefix: '/demo/basket' },
  );
  return app;
}

describe('the OpenAPI document', () => {
  it("names a plugin's root route without the trailing slash, while both spellings are served", async () => {
    const app = await appWithRoutes();
    const document = (await app.inject({ url: '/demo/openapi.json' })).json();
    expect(Object.keys(document.paths)).toEqual(['/demo/basket', '/demo/basket/public', '/demo/basket/notes', '/demo/basket/maybe-notes']);
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

  it('declares the challenge of 401 answers, and the Retry-After of a conflict still in progress beside a replay', async () => {
    const app = await appWithRoutes();
    const document = (await app.inject({ url: '/demo/openapi.json' })).json();
    expect(document.paths['/demo/basket'].get.responses['401'].headers['www-authenticate']).toMatchObject({ schema: { type: 'string' } });
    expect(Object.keys(document.paths['/demo/basket/notes'].post.responses['409'].headers).sort()).toEqual([
      'cache-control',
      'idempotent-replayed',
      'retry-after',
    ]);
  });

  it('says a body is optional exactly where the route reads no body as {}', async () => {
    const app = await appWithRoutes();
    const document = (await app.inject({ url: '/demo/openapi.json' })).json();
    expect(document.paths['/demo/basket/maybe-notes'].post.requestBody.required).toBe(false);
    expect(document.paths['/demo/basket/notes'].post.requestBody.required).toBe(true);
    expect(JSON.stringify(document)).not.toContain('x-optional-body');
    const withoutBody = await app.inject({ method: 'POST', url: '/demo/basket/maybe-notes' });
    expect(withoutBody.json()).toEqual({});
    // An empty body sent as JSON, as many clients send nothing, is no body too, there only.
    const emptyJson = { method: 'POST' as const, headers: { 'content-type': 'application/json' }, payload: '' };
    expect((await app.inject({ ...emptyJson, url: '/demo/basket/maybe-notes' })).json()).toEqual({});
    expect((await app.inject({ ...emptyJson, url: '/demo/basket/notes' })).json()).toMatchObject({ code: 'FST_ERR_CTP_EMPTY_JSON_BODY' });
    expect((await app.inject({ method: 'POST', url: '/demo/basket/notes' })).statusCode).toBe(400);
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
