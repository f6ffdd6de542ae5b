import { captureLogs } from '@myshop/testing';
import { errorResponses } from '@myshop/schemas';
import { Type } from 'typebox';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createFastify, platformPlugin } from '../src/index.ts';
import { platformStatuses } from '../src/platform-responses.ts';

async function documentOf(register: (app: ReturnType<typeof createFastify>) => void) {
  const app = createFastify({ logger: captureLogs('demo').logger, bodyLimitBytes: 1024, requestTimeoutMs: 5000 });
  onTestFinished(() => app.close());
  await app.register(platformPlugin, { service: 'demo', version: '1.0.0', description: 'a demo' });
  register(app);
  const response = await app.inject({ url: '/demo/openapi.json' });
  return response.json();
}

const statusesOf = (operation: { responses: Record<string, unknown> }) => Object.keys(operation.responses);

describe('the platform responses of every documented route', () => {
  it('declare what the platform can answer, by what the route takes', async () => {
    const document = await documentOf((app) => {
      app.get('/demo/health-like', { schema: { response: { 200: Type.Object({}) } } }, async () => ({}));
      app.get(
        '/demo/things/:id',
        { schema: { security: [{ bearerAuth: [] }], params: Type.Object({ id: Type.String() }), response: { 200: Type.Object({}) } } },
        async () => ({}),
      );
      app.post(
        '/demo/things',
        { schema: { body: Type.Object({ name: Type.String() }), response: { 201: Type.Object({}), ...errorResponses(409) } } },
        async () => ({}),
      );
      app.delete('/demo/things', { schema: { response: { 204: Type.Null() } } }, async (_request, reply) => reply.code(204).send(null));
    });
    expect(statusesOf(document.paths['/demo/health-like'].get)).toEqual(['200', '400', '408', '414', '431', '500', '503']);
    expect(statusesOf(document.paths['/demo/things/{id}'].get)).toEqual(['200', '400', '401', '404', '408', '414', '431', '500', '503']);
    expect(statusesOf(document.paths['/demo/things'].post)).toEqual([
      '201',
      '400',
      '408',
      '409',
      '413',
      '414',
      '415',
      '431',
      '500',
      '501',
      '503',
    ]);
    expect(statusesOf(document.paths['/demo/things'].delete)).toEqual([
      '204',
      '400',
      '408',
      '413',
      '414',
      '415',
      '431',
      '500',
      '501',
      '503',
    ]);
  });

  it('refer to one error body in the components, each described by its status', async () => {
    const document = await documentOf((app) => {
      app.get(
        '/demo/things/:id',
        { schema: { params: Type.Object({ id: Type.String() }), response: errorResponses(404) } },
        async () => ({}),
      );
    });
    const responses = document.paths['/demo/things/{id}'].get.responses;
    expect(responses['414']).toEqual({
      description:
        'URI Too Long: a path parameter longer than 100 characters (FST_ERR_MAX_PARAM_LENGTH), or a request line longer than the server accepts (REQUEST_LINE_TOO_LONG)',
      headers: { 'cache-control': expect.objectContaining({ schema: { type: 'string', const: 'no-store' } }) },
      content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorResponse' } } },
    });
    // The route's own declaration wins over the platform's.
    expect(responses['404'].description).toBe('Not Found');
    expect(document.components.schemas.ErrorResponse.required).toEqual(['statusCode', 'code', 'error', 'message']);
  });

  it('name AUTH_INVALID_REQUEST in the 400 of a route that takes a token, however little else it takes', async () => {
    const document = await documentOf((app) => {
      app.get('/demo/me', { schema: { security: [{ bearerAuth: [] }], response: { 200: Type.Object({}) } } }, async () => ({}));
      app.get('/demo/public', { schema: { response: { 200: Type.Object({}) } } }, async () => ({}));
    });
    expect(document.paths['/demo/me'].get.responses['400'].description).toContain(
      'more than one Authorization header (AUTH_INVALID_REQUEST)',
    );
    expect(document.paths['/demo/public'].get.responses['400'].description).not.toContain('AUTH_INVALID_REQUEST');
    // The token endpoint's client credentials: a second Authorization header is its own 401 there.
    const clientRoute = platformStatuses({ method: 'POST', url: '/demo/token', schema: { security: [{ clientBasic: [] }] } });
    expect(clientRoute.find(([status]) => status === 400)?.[1]).not.toContain('AUTH_INVALID_REQUEST');
  });

  it('document the Cache-Control: no-store every answer carries, unless the route documents its own', async () => {
    const cacheable = { 'cache-control': { type: 'string', description: '`public, max-age=60`' } };
    let app!: ReturnType<typeof createFastify>;
    const document = await documentOf((registered) => {
      app = registered;
      app.post('/demo/token', { schema: { response: { 200: Type.Object({}), ...errorResponses(409) } } }, async () => ({}));
      app.get(
        '/demo/public',
        { schema: { response: { 200: Type.Object({}, { headers: cacheable }), ...errorResponses(503) } } },
        async (_request, reply) => reply.header('cache-control', 'public, max-age=60').send({}),
      );
    });
    const token = document.paths['/demo/token'].post.responses;
    for (const status of ['200', '400', '409', '413', '415', '503']) {
      expect(token[status].headers['cache-control'].schema, status).toEqual({ type: 'string', const: 'no-store' });
    }
    // The platform's other headers stay beside it.
    expect(Object.keys(token['503'].headers)).toEqual(['retry-after', 'cache-control']);
    const publicOne = document.paths['/demo/public'].get.responses;
    expect(publicOne['200'].headers['cache-control']).toEqual({ schema: { type: 'string' }, description: '`public, max-age=60`' });
    expect(publicOne['503'].headers['cache-control'].schema.const).toBe('no-store');
    // What is documented is what is sent.
    expect((await app.inject({ method: 'POST', url: '/demo/token' })).headers['cache-control']).toBe('no-store');
    expect((await app.inject({ url: '/demo/public' })).headers['cache-control']).toBe('public, max-age=60');
  });

  it('leave hidden routes and routes without a schema alone', async () => {
    const document = await documentOf((app) => {
      app.get('/demo/hidden', { schema: { hide: true } }, async () => ({}));
      app.get('/demo/plain', async () => ({}));
    });
    expect(document.paths['/demo/hidden']).toBeUndefined();
    expect(statusesOf(document.paths['/demo/plain'].get)).toEqual(['200']);
  });

  it('treat a route of several methods as taking a body when one of them does', () => {
    const statuses = platformStatuses({ method: ['GET', 'PUT'], url: '/demo/*', schema: {} }).map(([status]) => status);
    expect(statuses).toEqual([400, 408, 414, 431, 404, 413, 415, 501, 500, 503]);
  });
});
