import { captureLogs } from '@myshop/testing';
import { Type } from 'typebox';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createFastify, platformPlugin, readPackageInfo } from '../src/index.ts';

async function buildApp() {
  const logs = captureLogs('demo');
  const app = createFastify({ logger: logs.logger, bodyLimitBytes: 1024, requestTimeoutMs: 5000 });
  onTestFinished(() => app.close());
  await app.register(platformPlugin, { service: 'demo', version: '1.2.3', description: 'a demo' });
  app.post(
    '/demo/items',
    {
      schema: {
        querystring: Type.Object({ limit: Type.Integer({ minimum: 1, default: 10 }) }),
        body: Type.Object({ quantity: Type.Integer({ minimum: 1 }) }, { additionalProperties: false }),
        response: { 201: Type.Object({ quantity: Type.Integer(), limit: Type.Integer() }) },
      },
    },
    async (request, reply) => reply.code(201).send({ quantity: request.body.quantity, limit: request.query.limit }),
  );
  return { app, logs };
}

describe('createFastify', () => {
  it('coerces query strings to the declared types and applies defaults', async () => {
    const { app } = await buildApp();
    const withLimit = await app.inject({ method: 'POST', url: '/demo/items?limit=7', payload: { quantity: 2 } });
    expect(withLimit.json()).toEqual({ quantity: 2, limit: 7 });
    const withDefault = await app.inject({ method: 'POST', url: '/demo/items', payload: { quantity: 2 } });
    expect(withDefault.json()).toEqual({ quantity: 2, limit: 10 });
  });

  it('does not coerce JSON bodies: "2" is not a quantity', async () => {
    const { app } = await buildApp();
    const response = await app.inject({ method: 'POST', url: '/demo/items', payload: { quantity: '2' } });
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toBe('body/quantity must be integer');
  });

  it('rejects unknown body fields', async () => {
    const { app } = await buildApp();
    const response = await app.inject({ method: 'POST', url: '/demo/items', payload: { quantity: 1, price: 0 } });
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toBe('body/price is not allowed');
  });

  it('answers a body over the limit with 413 in the error shape', async () => {
    const { app } = await buildApp();
    const response = await app.inject({
      method: 'POST',
      url: '/demo/items',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ quantity: 1, pad: 'x'.repeat(2000) }),
    });
    expect(response.statusCode).toBe(413);
    expect(response.json()).toMatchObject({ statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE', error: 'Payload Too Large' });
  });

  it('keeps the caller request id, returns it, and logs it on every request line', async () => {
    const { app, logs } = await buildApp();
    const response = await app.inject({
      method: 'POST',
      url: '/demo/items',
      headers: { 'x-request-id': 'edge-42' },
      payload: { quantity: 1 },
    });
    expect(response.headers['x-request-id']).toBe('edge-42');
    const requestLines = logs.lines().filter((line) => line.reqId !== undefined);
    // One line per request (request-log.ts), written when it is answered.
    expect(requestLines.map((line) => line.msg)).toEqual(['request completed']);
    expect(requestLines.every((line) => line.reqId === 'edge-42')).toBe(true);
  });
});

describe('platformPlugin', () => {
  it('serves the OpenAPI document at /<service>/openapi.json with request and response schemas', async () => {
    const { app } = await buildApp();
    const response = await app.inject({ url: '/demo/openapi.json' });
    expect(response.statusCode).toBe(200);
    const document = response.json();
    expect(document.info).toMatchObject({ title: 'myshop demo service', version: '1.2.3' });
    const operation = document.paths['/demo/items'].post;
    expect(operation.requestBody.content['application/json'].schema.properties.quantity.type).toBe('integer');
    expect(operation.responses['201']).toBeDefined();
    expect(document.paths['/livez']).toBeUndefined();
  });

  it('serves the health probes', async () => {
    const { app } = await buildApp();
    expect((await app.inject({ url: '/livez' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/readyz' })).statusCode).toBe(200);
  });
});

describe('readPackageInfo', () => {
  it("reads a package's version and description", () => {
    expect(readPackageInfo(new URL('../package.json', import.meta.url))).toEqual({ version: '0.0.0', description: '' });
  });
});
