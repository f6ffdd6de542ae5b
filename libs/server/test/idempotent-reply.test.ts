import { captureLogs } from '@myshop/testing';
import { errorResponse } from '@myshop/schemas';
import { Type } from 'typebox';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createFastify, IdempotencyHeaders, platformPlugin, replayableResponse, sendStored, type StoredResponse } from '../src/index.ts';

/** A once-per-key write answering from `stored`, as payment's and cart's routes do. */
async function appAnswering(stored: StoredResponse & { replayed: boolean }, locationOf?: (created: { id: string }) => string) {
  const app = createFastify({ logger: captureLogs('demo').logger, bodyLimitBytes: 1024, requestTimeoutMs: 5000 });
  onTestFinished(() => app.close());
  await app.register(platformPlugin, { service: 'demo', version: '1.0.0', description: 'a demo' });
  app.post(
    '/demo/things',
    {
      schema: {
        headers: IdempotencyHeaders,
        response: { 201: replayableResponse(Type.Object({ id: Type.String() })), 402: replayableResponse(errorResponse(402)) },
      },
    },
    async (_request, reply) => sendStored(reply, stored, locationOf),
  );
  return app;
}

describe('sendStored', () => {
  it('sends a first answer as stored, without Idempotent-Replayed', async () => {
    const app = await appAnswering({ statusCode: 201, body: { id: 'a', extra: 'dropped by the schema' }, replayed: false });
    const response = await app.inject({ method: 'POST', url: '/demo/things', headers: { 'idempotency-key': 'k' } });
    expect(response.statusCode).toBe(201);
    expect(response.json()).toEqual({ id: 'a' });
    expect(response.headers['idempotent-replayed']).toBeUndefined();
  });

  it('replays a stored answer with its status and body, and says so', async () => {
    const body = { statusCode: 402, code: 'card_declined', error: 'Payment Required', message: 'The card was declined' };
    const app = await appAnswering({ statusCode: 402, body, replayed: true });
    const response = await app.inject({ method: 'POST', url: '/demo/things', headers: { 'idempotency-key': 'k' } });
    expect(response.statusCode).toBe(402);
    expect(response.json()).toEqual(body);
    expect(response.headers['idempotent-replayed']).toBe('true');
  });

  it('names a created resource in Location, first sent or replayed, and no resource for any other answer', async () => {
    const thingAt = (created: { id: string }) => `/demo/things/${created.id}`;
    for (const replayed of [false, true]) {
      const created = await appAnswering({ statusCode: 201, body: { id: 'a' }, replayed }, thingAt);
      const response = await created.inject({ method: 'POST', url: '/demo/things', headers: { 'idempotency-key': 'k' } });
      expect(response.statusCode).toBe(201);
      expect(response.headers.location).toBe('/demo/things/a');
    }
    const body = { statusCode: 402, code: 'card_declined', error: 'Payment Required', message: 'The card was declined' };
    const declined = await appAnswering({ statusCode: 402, body, replayed: true }, thingAt);
    const response = await declined.inject({ method: 'POST', url: '/demo/things', headers: { 'idempotency-key': 'k' } });
    expect(response.statusCode).toBe(402);
    expect(response.headers.location).toBeUndefined();
  });
});

describe('IdempotencyHeaders', () => {
  it.each([
    ['missing', {}],
    ['empty', { 'idempotency-key': '' }],
    ['with a space', { 'idempotency-key': 'has space' }],
    ['longer than 255 characters', { 'idempotency-key': 'k'.repeat(256) }],
  ])('refuses a key that is %s with 400', async (_name, headers) => {
    const app = await appAnswering({ statusCode: 201, body: { id: 'a' }, replayed: false });
    const response = await app.inject({ method: 'POST', url: '/demo/things', headers });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      statusCode: 400,
      code: 'FST_ERR_VALIDATION',
      message: expect.stringContaining('idempotency-key'),
    });
  });
});

describe('replayableResponse', () => {
  it('documents the Idempotent-Replayed header on the responses it wraps, the body schema unchanged', async () => {
    const app = await appAnswering({ statusCode: 201, body: { id: 'a' }, replayed: false });
    const operation = (await app.inject({ url: '/demo/openapi.json' })).json().paths['/demo/things'].post;
    const replayedHeader = { description: expect.stringContaining('Idempotency-Key'), schema: { const: 'true', type: 'string' } };
    // Beside the platform's Cache-Control (platform-responses.ts), the replay header and no other.
    const noStore = expect.objectContaining({ schema: { const: 'no-store', type: 'string' } });
    expect(operation.responses['201'].headers).toEqual({ 'idempotent-replayed': replayedHeader, 'cache-control': noStore });
    expect(operation.responses['201'].content['application/json'].schema).toMatchObject({ properties: { id: { type: 'string' } } });
    expect(operation.responses['402'].headers).toEqual({ 'idempotent-replayed': replayedHeader, 'cache-control': noStore });
    expect(operation.responses['402'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/ErrorResponse' });
    expect(operation.responses['400'].headers).toEqual({ 'cache-control': noStore });
    expect(operation.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ in: 'header', name: 'idempotency-key', required: true })]),
    );
  });
});
