import { describe, expect, it } from 'vitest';
import { validatorCompiler } from '../src/validator-compiler.ts';

const validate = (httpPart: string) =>
  validatorCompiler({
    schema: { type: 'object', properties: { id: { type: 'string', format: 'uuid' } } },
    httpPart,
    method: 'POST',
    url: '/',
  }) as (value: unknown) => boolean;

describe('validatorCompiler', () => {
  it('takes a uuid in its canonical form only, in any case: what PostgreSQL can compare', () => {
    for (const part of ['body', 'querystring']) {
      expect(validate(part)({ id: '6f1c1f04-4a57-4a39-9a9e-2b1f0e3b7a11' })).toBe(true);
      expect(validate(part)({ id: '6F1C1F04-4A57-4A39-9A9E-2B1F0E3B7A11' })).toBe(true);
      // ajv-formats alone takes the URN; PostgreSQL does not.
      expect(validate(part)({ id: 'urn:uuid:6f1c1f04-4a57-4a39-9a9e-2b1f0e3b7a11' })).toBe(false);
      expect(validate(part)({ id: '{6f1c1f04-4a57-4a39-9a9e-2b1f0e3b7a11}' })).toBe(false);
      expect(validate(part)({ id: '6f1c1f044a574a399a9e2b1f0e3b7a11' })).toBe(false);
    }
  });

  const email = validatorCompiler({
    schema: { type: 'object', properties: { email: { type: 'string', format: 'email' } } },
    httpPart: 'body',
    method: 'POST',
    url: '/',
  }) as (value: unknown) => boolean;

  it('refuses a field the schema does not allow, rather than dropping it and taking the rest', () => {
    for (const httpPart of ['body', 'querystring']) {
      const closed = validatorCompiler({
        schema: { type: 'object', properties: { name: { type: 'string' } }, additionalProperties: false },
        httpPart,
        method: 'POST',
        url: '/',
      }) as (value: unknown) => boolean;
      const value = { name: 'a', userId: 'x' };
      expect(closed(value), httpPart).toBe(false);
      expect(value).toEqual({ name: 'a', userId: 'x' });
    }
  });

  it('takes an email with at most 64 characters before the @, as mail servers do', () => {
    expect(email({ email: `${'a'.repeat(64)}@example.com` })).toBe(true);
    expect(email({ email: `${'a'.repeat(65)}@example.com` })).toBe(false);
    expect(email({ email: 'no-at-sign.example.com' })).toBe(false);
    expect(email({ email: 'ada@example.com' })).toBe(true);
  });

  it('takes an email whose domain labels are at most 63 characters, as DNS does (RFC 1035 §2.3.4)', () => {
    expect(email({ email: `ada@${'a'.repeat(63)}.com` })).toBe(true);
    expect(email({ email: `ada@mail.${'b'.repeat(63)}.example.com` })).toBe(true);
    // No mail can ever reach such a domain: an account with it would be one nobody can verify.
    expect(email({ email: `ada@${'a'.repeat(64)}.com` })).toBe(false);
    expect(email({ email: `ada@mail.${'b'.repeat(64)}.example.com` })).toBe(false);
    expect(email({ email: `ada@example.${'c'.repeat(64)}` })).toBe(false);
  });
});

describe('validatorCompiler, integers as text (a query string, params, headers)', () => {
  const page = validatorCompiler({
    schema: { type: 'object', properties: { limit: { type: 'integer', minimum: 1 }, cursor: { type: 'string' } } },
    httpPart: 'querystring',
    method: 'GET',
    url: '/',
  }) as ((value: unknown) => boolean) & { errors?: unknown[] | null };

  it('takes an integer written in decimal digits, coerced to a number', () => {
    const query: Record<string, unknown> = { limit: '16', cursor: '05' };
    expect(page(query)).toBe(true);
    expect(query).toEqual({ limit: 16, cursor: '05' });
  });

  it.each(['0x10', '1e1', '+5', ' 5', '5 ', '05', '5.0', '-0', '0b1', ''])(
    'refuses %j, which Number() reads as an integer too, as it refuses any other non-integer',
    (limit) => {
      expect(page({ limit })).toBe(false);
      expect(page.errors).toMatchObject([{ instancePath: '/limit', keyword: 'type', message: 'must be integer' }]);
    },
  );

  it("refuses an integer written canonically that breaks another rule, with ajv's own error", () => {
    expect(page({ limit: '0' })).toBe(false);
    expect(page.errors).toMatchObject([{ instancePath: '/limit', keyword: 'minimum', message: 'must be >= 1' }]);
  });

  it('leaves a body as it is: JSON carries its own types, and "5" is not coerced there at all', () => {
    const body = validatorCompiler({
      schema: { type: 'object', properties: { quantity: { type: 'integer' } } },
      httpPart: 'body',
      method: 'POST',
      url: '/',
    }) as (value: unknown) => boolean;
    expect(body({ quantity: 5 })).toBe(true);
    expect(body({ quantity: '5' })).toBe(false);
  });
});
