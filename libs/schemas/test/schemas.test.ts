import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import {
  CurrencyCode,
  currencyProblems,
  Email,
  errorResponse,
  errorResponses,
  ErrorResponse,
  IdempotencyKey,
  inProgressConflictResponse,
  isCurrencyCode,
  MinorUnits,
  Page,
  PageQuery,
  SharedErrorResponse,
  Uuid,
} from '../src/index.ts';

const ajv = new Ajv({ useDefaults: true, coerceTypes: 'array' });
addFormats.default(ajv);
const valid = (schema: object, value: unknown) => ajv.validate(schema, value);

describe('shared schemas', () => {
  it('accept what they describe and nothing else', () => {
    expect(valid(Uuid, '6f1c1f04-4a57-4a39-9a9e-2b1f0e3b7a11')).toBe(true);
    expect(valid(Uuid, '42')).toBe(false);
    expect(valid(Email, 'a@b.co')).toBe(true);
    expect(valid(Email, `${'a'.repeat(250)}@b.co`)).toBe(false);
    expect(valid(CurrencyCode, 'USD')).toBe(true);
    expect(valid(CurrencyCode, 'usd')).toBe(false);
    expect(valid(MinorUnits, 1999)).toBe(true);
    expect(valid(MinorUnits, 19.99)).toBe(false);
    expect(valid(MinorUnits, -1)).toBe(false);
    expect(valid(IdempotencyKey, 'order-7f3a')).toBe(true);
    expect(valid(IdempotencyKey, 'has space')).toBe(false);
    expect(valid(IdempotencyKey, '')).toBe(false);
  });

  it('cap page sizes and default the limit, which a client may leave out', () => {
    expect(PageQuery.required ?? []).not.toContain('limit');
    const query: Record<string, unknown> = {};
    expect(valid(PageQuery, query)).toBe(true);
    expect(query.limit).toBe(20);
    expect(valid(PageQuery, { limit: 101 })).toBe(false);
    expect(valid(PageQuery, { limit: 5, extra: 1 })).toBe(false);
    expect(valid(Page(Uuid), { items: [], nextCursor: null })).toBe(true);
  });

  it('give every listed status the error body', () => {
    expect(errorResponses(400, 414)).toEqual({
      400: { $ref: 'ErrorResponse', description: 'Bad Request' },
      414: { $ref: 'ErrorResponse', description: 'URI Too Long' },
    });
    expect(errorResponse(414, 'an id longer than 100 characters')).toHaveProperty(
      'description',
      'URI Too Long: an id longer than 100 characters',
    );
    expect(errorResponse(499)).toHaveProperty('description', 'Error');
    // A 429 or 503 says when to try again: the document declares the header.
    for (const status of [429, 503]) expect(errorResponse(status)).toHaveProperty(['headers', 'retry-after', 'type'], 'string');
    expect(errorResponse(404)).not.toHaveProperty('headers');
    // A 401 or 403 says which credentials are wanted.
    for (const status of [401, 403]) expect(errorResponse(status)).toHaveProperty(['headers', 'www-authenticate', 'type'], 'string');
    // A 409 that waiting resolves (a request with the key still in progress) may say when to ask again.
    expect(errorResponse(409)).not.toHaveProperty('headers');
    expect(inProgressConflictResponse()).toMatchObject({
      $ref: 'ErrorResponse',
      description: 'Conflict',
      headers: { 'retry-after': { type: 'string' } },
    });
    expect(SharedErrorResponse).toMatchObject({ $id: 'ErrorResponse', properties: ErrorResponse.properties });
    expect(valid(ErrorResponse, { statusCode: 404, code: 'NOT_FOUND', error: 'Not Found', message: 'x' })).toBe(true);
  });
});

describe('isCurrencyCode', () => {
  it.each(['USD', 'EUR', 'JPY', 'CHF'])('accepts %s', (code) => {
    expect(isCurrencyCode(code)).toBe(true);
    expect(currencyProblems(code)).toEqual([]);
  });

  it.each(['ABC', 'usd', 'US', ''])('refuses %s, naming CURRENCY', (code) => {
    expect(isCurrencyCode(code)).toBe(false);
    expect(currencyProblems(code)).toEqual([['CURRENCY', expect.stringContaining('ISO 4217')]]);
  });
});
