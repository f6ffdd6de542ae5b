import { describe, expect, it } from 'vitest';
import type { OpenApiDocument } from '../src/openapi/document.ts';
import { readmeRouteProblems } from '../src/openapi/readme-routes.ts';

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
