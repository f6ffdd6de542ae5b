import { describe, expect, it } from 'vitest';
import type { OpenApiDocument } from '../src/openapi/document.ts';
import { exportedErrorCodes, readmeErrorCodes, readmeRouteProblems } from '../src/openapi/readme-routes.ts';

/** A service of two routes, as @fastify/swagger documents them. */
const document: OpenApiDocument = {
  openapi: '3.1.0',
  paths: {
    '/shop/items': {
      get: {
        parameters: [
          { name: 'limit', in: 'query' },
          { name: 'cursor', in: 'query' },
        ],
        responses: { '200': {}, '400': {} },
      },
      post: {
        parameters: [{ name: 'idempotency-key', in: 'header', required: true }],
        requestBody: {
          content: {
            'application/json': { schema: { type: 'object', properties: { name: {}, note: {} }, required: ['name'] } },
          },
        },
        responses: { '201': {}, '409': {} },
        security: [{ bearerAuth: [] }],
      },
    },
    '/shop/items/{id}': { get: { responses: { '200': {}, '404': {} } } },
  },
};

const table = (...rows: string[]) => ['| method and path | auth | body / query | answer |', '|---|---|---|---|', ...rows].join('\n');
const LIST = '| `GET /shop/items` | public | `?limit&cursor` | 200 page; 400 |';
const ADD = '| `POST /shop/items` | Bearer + `Idempotency-Key` | `{ name, note? }` | 201 item; 409 |';
const GET = '| `GET /shop/items/:id` | public | | 200 item; 404 |';

describe('readmeRouteProblems', () => {
  it('finds nothing when the table says what the document does', () => {
    expect(readmeRouteProblems(table(LIST, ADD, GET), document)).toEqual([]);
  });

  it('names an operation on one side only', () => {
    expect(readmeRouteProblems(table(LIST, ADD, '| `DELETE /shop/items/:id` | Bearer | | 204 |'), document)).toEqual([
      "GET /shop/items/:id: in the OpenAPI document, not in the README's table",
      "DELETE /shop/items/:id: in the README's table, not in the OpenAPI document",
    ]);
  });

  it('names a status the operation does not declare', () => {
    expect(readmeRouteProblems(table(LIST, ADD, '| `GET /shop/items/:id` | public | | 200 item; 404, 410 |'), document)).toEqual([
      'GET /shop/items/:id: the README answers 410, which the document does not declare',
    ]);
  });

  it('names a public route the document secures, and the reverse', () => {
    expect(
      readmeRouteProblems(
        table('| `GET /shop/items` | Bearer | `?limit&cursor` | 200 page |', ADD.replace('Bearer + ', 'public, '), GET),
        document,
      ),
    ).toEqual([
      'GET /shop/items: the README says "Bearer", the document public',
      'POST /shop/items: the README says "public, `Idempotency-Key`", the document secured',
    ]);
  });

  it('names query parameters, headers and body fields that are not the operation’s', () => {
    expect(
      readmeRouteProblems(
        table(
          '| `GET /shop/items` | public | `?limit&after` | 200 page |',
          '| `POST /shop/items` | Bearer + `If-Match` | `{ name, note }` | 201 item |',
          GET,
        ),
        document,
      ),
    ).toEqual([
      "GET /shop/items: the README's query ?limit&after, the document's ?limit&cursor",
      'POST /shop/items: the README names the header `If-Match`, which the document does not take',
      "POST /shop/items: the README's body { name, note }, the document's { name, note? }",
    ]);
  });

  it('says so when the README has no route table', () => {
    expect(readmeRouteProblems('# shop\n\nNo table here.', document)).toEqual([
      'the README has no route table (rows starting with | `METHOD /path` |)',
    ]);
  });
});

describe('readmeErrorCodes', () => {
  it('reads each code of the Error codes section with its status, several codes sharing one or each its own', () => {
    const readme = [
      '## Error codes',
      '',
      '- `SHOP_GONE` (404): an unknown item',
      '- `AUTH_MISSING_TOKEN`, `AUTH_INVALID_TOKEN` (401): no Bearer token, or not a valid one',
      '- `MALFORMED_REQUEST`, `REQUEST_TIMEOUT` (400, 408): what Node refuses',
      '',
      '## Configuration',
      '',
      '- `NOT_A_CODE` (500): past the section',
    ].join('\n');
    expect([...readmeErrorCodes(readme)]).toEqual([
      ['SHOP_GONE', 404],
      ['AUTH_MISSING_TOKEN', 401],
      ['AUTH_INVALID_TOKEN', 401],
      ['MALFORMED_REQUEST', 400],
      ['REQUEST_TIMEOUT', 408],
    ]);
  });
});

describe('exportedErrorCodes', () => {
  it('answers the code and status of each error a module defines, and nothing of its other exports', () => {
    // As defineError's constructors (@fastify/error) make them: the code and status on each instance.
    class GoneError extends Error {
      code = 'SHOP_GONE';
      statusCode = 410;
    }
    const module = { GoneError, LIMIT: 5, helper: () => 'x', Plain: Error };
    expect(exportedErrorCodes(module)).toEqual([['SHOP_GONE', 410]]);
  });
});
