import Fastify from 'fastify';
import { describe, expect, it, onTestFinished } from 'vitest';
import { checkOpenApiConformance } from '../src/index.ts';

const ErrorBody = {
  type: 'object',
  required: ['statusCode', 'code', 'error', 'message'],
  properties: { statusCode: { type: 'integer' }, code: { type: 'string' }, error: { type: 'string' }, message: { type: 'string' } },
};
const error = { description: 'An error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };

/** A document for GET /things/{id}; `responses` says what it declares. */
function documentWith(responses: Record<string, unknown>) {
  return {
    openapi: '3.1.0',
    info: { title: 'things', version: '1.0.0' },
    paths: {
      '/things/{id}': {
        get: {
          operationId: 'getThing',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses,
        },
      },
    },
    components: { schemas: { Error: ErrorBody } },
  };
}

const thing = {
  description: 'A thing',
  content: { 'application/json': { schema: { type: 'object', required: ['id'], properties: { id: { type: 'string' } } } } },
};

/** An app that answers as `answer` says and serves `document` as its own. */
async function appServing(
  document: unknown,
  answer: (id: string) => { status: number; body: unknown; headers?: Record<string, string | undefined> },
) {
  const app = Fastify({ routerOptions: { maxParamLength: 40 } });
  onTestFinished(() => app.close());
  app.get('/openapi.json', async () => document);
  app.get('/things/:id', async (request, reply) => {
    const { status, body, headers = {} } = answer((request.params as { id: string }).id);
    return reply.code(status).headers(headers).send(body);
  });
  await app.ready();
  return app;
}

const examples = { 'GET /things/{id}': async () => ({ params: { id: 'known' } }) };
const notFound = { statusCode: 404, code: 'NOT_FOUND', error: 'Not Found', message: 'No such thing' };

describe('checkOpenApiConformance', () => {
  it('passes an app that answers as its document says', async () => {
    const document = documentWith({ 200: thing, 400: error, 404: error, 414: error });
    const app = await appServing(document, (id) => (id === 'known' ? { status: 200, body: { id } } : { status: 404, body: notFound }));
    const report = await checkOpenApiConformance({ app, documentUrl: '/openapi.json', examples });
    // Fastify's own 414 says "Bad Request": the one mismatch a plain Fastify app has.
    expect(report.mismatches).toEqual([
      expect.stringContaining(
        '(with path id longer than the router takes): status 414: the body says error "Bad Request", not "URI Too Long"',
      ),
    ]);
    expect(report).toMatchObject({ operations: 1, requests: 6 });
  });

  it('reports an undeclared status, a body its schema refuses and a wrong error text', async () => {
    const document = documentWith({ 200: thing, 404: error });
    const app = await appServing(document, (id) =>
      id === 'known' ? { status: 200, body: { id: 5 } } : { status: 404, body: { ...notFound, error: 'Gone' } },
    );
    const { mismatches } = await checkOpenApiConformance({ app, documentUrl: '/openapi.json', examples });
    expect(mismatches).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^GET \/things\/\{id\} \(valid request\): status 200: the body does not match its schema \(\/id must be string\)/,
        ),
        expect.stringMatching(/\(with path id longer than the router takes\): status 414 is not declared \(declared: 200, 404\)/),
        expect.stringMatching(/\(with an unknown path id\): status 404: the body says error "Gone", not "Not Found"/),
        expect.stringMatching(/\(with a malformed percent-encoding in path id\): status 400 is not declared/),
      ]),
    );
  });

  it('reports an invalid document, and operations without an example or examples without an operation', async () => {
    const document = { ...documentWith({ 200: thing }), info: { title: 'no version' } };
    const app = await appServing(document, (id) => ({ status: 200, body: { id } }));
    const { mismatches } = await checkOpenApiConformance({
      app,
      documentUrl: '/openapi.json',
      examples: { 'GET /other': async () => ({}) },
    });
    expect(mismatches).toEqual([
      expect.stringMatching(/^\/openapi\.json is not valid OpenAPI/),
      'GET /other: an example for an operation the document does not have',
      "GET /things/{id}: no example request (add one to the service's conformance table)",
    ]);
  });

  it('reports an operation without an operationId, and one that another operation also has', async () => {
    const document = documentWith({ 200: thing });
    const operation = document.paths['/things/{id}'].get;
    const twins = {
      ...document,
      paths: { ...document.paths, '/things/{id}/copy': { get: { ...operation } } },
    };
    const app = await appServing(twins, (id) => ({ status: 200, body: { id } }));
    const { mismatches } = await checkOpenApiConformance({ app, documentUrl: '/openapi.json', examples });
    expect(mismatches).toContain('GET /things/{id}: operationId getThing is not unique');
    const { operationId: _id, ...anonymous } = operation;
    const bare = await appServing({ ...document, paths: { '/things/{id}': { get: anonymous } } }, (id) => ({ status: 200, body: { id } }));
    expect((await checkOpenApiConformance({ app: bare, documentUrl: '/openapi.json', examples })).mismatches).toContain(
      'GET /things/{id}: no operationId',
    );
  });

  it('reports a contract header sent but not documented, a required one missing and a value its schema refuses', async () => {
    const cached = {
      ...thing,
      headers: {
        etag: { required: true, schema: { type: 'string' } },
        'cache-control': { schema: { type: 'string', const: 'public, max-age=60' } },
      },
    };
    const document = documentWith({ 200: cached, 400: error, 404: error, 414: error });
    const app = await appServing(document, (id) =>
      id === 'known'
        ? { status: 200, body: { id }, headers: { 'cache-control': 'no-store', 'x-request-id': 'not a contract header' } }
        : { status: 404, body: notFound, headers: { 'cache-control': 'no-store', 'retry-after': '1' } },
    );
    const { mismatches } = await checkOpenApiConformance({ app, documentUrl: '/openapi.json', examples });
    expect(mismatches).toEqual(
      expect.arrayContaining([
        'GET /things/{id} (valid request): status 200: the required header etag is missing',
        'GET /things/{id} (valid request): status 200: header cache-control: no-store does not match its schema',
        'GET /things/{id} (with an unknown path id): status 404: header cache-control: no-store is sent but not documented',
        'GET /things/{id} (with an unknown path id): status 404: header retry-after: 1 is sent but not documented',
      ]),
    );
    expect(mismatches.join('\n')).not.toContain('x-request-id');
  });

  it('reports a document that is not served', async () => {
    const app = await appServing({}, () => ({ status: 200, body: {} }));
    const report = await checkOpenApiConformance({ app, documentUrl: '/missing.json', examples });
    expect(report.mismatches).toEqual(['/missing.json answered 404']);
  });
});
