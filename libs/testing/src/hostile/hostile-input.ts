/**
 * fast-check arbitraries for hostile input: values of the wrong type, missing and extra fields,
 * huge strings and arrays, negative, float and huge numbers, prototype-polluting keys, unicode
 * edge cases, invalid JSON and the wrong content types. A route test describes its contract
 * (which values each field accepts, which it must refuse) and gets requests that must all fail.
 */
import fc from 'fast-check';

/**
 * A path segment as a client would write it; text that cannot be percent-encoded (an unpaired
 * surrogate) goes as raw invalid UTF-8.
 */
export function pathSegment(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return '%ED%A0%80';
  }
}

/** A JSON literal written as is: numbers JSON.stringify cannot produce (`1e400`, `-0`, 30 digits). */
export class RawJson {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

/** JSON text of `value`, with RawJson literals as written and own `__proto__` keys kept. */
export function toJsonText(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : toJsonText(item))).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${toJsonText((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** An object with these own keys, `__proto__` included (a literal or a spread would set the prototype). */
export function objectWith(entries: Array<[string, unknown]>): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  for (const [key, value] of entries) Object.defineProperty(object, key, { value, enumerable: true, configurable: true, writable: true });
  return object;
}

/** Strings that break naive code: NUL, unpaired surrogates, bidi overrides, BOMs, look-alike digits, injections. */
export const EDGE_CASE_STRINGS: readonly string[] = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff',
  'x\ud83d',
  '\u202eevil',
  '\ufeff',
  '\u200b',
  'e\u0301',
  '🛒',
  '👩‍👩‍👧‍👦',
  'İ',
  'ß',
  '\r\n',
  '\t',
  '\\',
  '"',
  "'; DROP TABLE users; --",
  '<script>alert(1)</script>',
  '${jndi:ldap://example.invalid/a}',
  '{{7*7}}',
  '%00',
  '../../etc/passwd',
  '__proto__',
  'constructor',
  'null',
  'NaN',
  'Infinity',
  '1e400',
  '-0',
  '0x10',
  '١٢٣',
  '１２３',
];

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code));

/** Short strings from the whole of Unicode, unpaired surrogates and control characters included. */
export const unicodeString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...EDGE_CASE_STRINGS),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({
    unit: fc.oneof(loneSurrogate, fc.constantFrom('\u0000', '\u0007', '\u001b', '\u007f', '\u2028')),
    minLength: 1,
    maxLength: 8,
  }),
);

/** Strings from 1,000 to 20,000 characters: 20 KB to 80 KB of UTF-8, around the 64 KiB body limit. */
export const hugeString: fc.Arbitrary<string> = fc
  .tuple(fc.integer({ min: 1_000, max: 20_000 }), fc.constantFrom('x', 'é', '€', '🛒', '\u0000'))
  .map(([length, unit]) => unit.repeat(length));

/** Numbers no quantity or amount should take, and a few they should, as JSON can write them. */
export const hostileNumber: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    0,
    -1,
    1.5,
    -1.5,
    0.1,
    1e-7,
    2 ** 31,
    2 ** 53,
    2 ** 53 + 2,
    1e21,
    1e308,
    -1e308,
    Number.MAX_SAFE_INTEGER,
    Number.MIN_SAFE_INTEGER,
  ),
  fc
    .constantFrom('1e400', '-1e400', '-0', '1.5e0', '123456789012345678901234567890', '0.0000000000000000000001', '1E+9999')
    .map((text) => new RawJson(text)),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** Keys that pollute prototypes or try to assign what only the server decides. */
export const DANGEROUS_KEYS: readonly string[] = [
  '__proto__',
  'constructor',
  'prototype',
  'userId',
  'user_id',
  'id',
  'price',
  'unitPrice',
  'amount',
  'amountRefunded',
  'status',
  'role',
  'isAdmin',
  'createdAt',
  'passwordHash',
];

const scalar: fc.Arbitrary<unknown> = fc.oneof(fc.constant(null), fc.boolean(), hostileNumber, unicodeString);

/** Any JSON value a client might send where something else was expected, nested a little. */
export const hostileValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown; container: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { arbitrary: scalar, weight: 6 },
    { arbitrary: tie('container'), weight: 2 },
    { arbitrary: hugeString, weight: 1 },
  ),
  container: fc.oneof(
    fc.array(tie('value'), { maxLength: 5 }),
    fc.array(fc.integer(), { minLength: 500, maxLength: 3_000 }),
    fc
      .array(fc.tuple(fc.oneof(fc.constantFrom(...DANGEROUS_KEYS), fc.string({ maxLength: 8 })), tie('value')), { maxLength: 4 })
      .map(objectWith),
  ),
})).value;

/** A hostile value that is not of JSON type `type` (`string`, `number`, `object`…), so a schema of that type refuses it. */
export function notOfType(type: 'string' | 'number' | 'boolean' | 'object' | 'array'): fc.Arbitrary<unknown> {
  return hostileValue.filter((value) => {
    const actual = value instanceof RawJson ? 'number' : Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
    return actual !== type;
  });
}

/** Text PostgreSQL can store: well-formed (no unpaired surrogate) and without NUL. */
export const storableText = (text: string) => text.isWellFormed() && !text.includes('\u0000');

/** What a field accepts and what it must refuse; `optional` fields may be left out of a valid body. */
export interface FieldSpec {
  valid: fc.Arbitrary<unknown>;
  invalid: fc.Arbitrary<unknown>;
  optional?: boolean;
}

export type ObjectSpec = Record<string, FieldSpec>;

/** A body the contract accepts: every required field valid, optional ones sometimes left out. */
export function validObject(spec: ObjectSpec): fc.Arbitrary<Record<string, unknown>> {
  const required = Object.keys(spec).filter((key) => !spec[key]!.optional);
  return fc.record(Object.fromEntries(Object.entries(spec).map(([key, field]) => [key, field.valid])), { requiredKeys: required });
}

/**
 * A value the contract of `spec` must refuse: some fields invalid, some required ones missing,
 * unknown or dangerous keys added, or not an object at all.
 */
export function invalidObject(spec: ObjectSpec): fc.Arbitrary<unknown> {
  const names = Object.keys(spec);
  const required = names.filter((key) => !spec[key]!.optional);
  const invalidValues = fc.record(Object.fromEntries(names.map((key) => [key, spec[key]!.invalid])));
  const withInvalidFields = fc
    .tuple(validObject(spec), fc.uniqueArray(fc.constantFrom(...names), { minLength: 1 }), invalidValues)
    .map(([valid, broken, invalid]) => ({ ...valid, ...Object.fromEntries(broken.map((key) => [key, invalid[key]])) }));
  const extraKey = fc
    .oneof(
      fc.constantFrom(...DANGEROUS_KEYS),
      fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,15}$/),
      unicodeString.filter((key) => key.length > 0),
    )
    .filter((key) => !names.includes(key));
  const withExtraFields = fc
    .tuple(validObject(spec), fc.uniqueArray(fc.tuple(extraKey, hostileValue), { minLength: 1, maxLength: 3, selector: ([key]) => key }))
    .map(([valid, extra]) => objectWith([...Object.entries(valid), ...extra]));
  const notAnObject = notOfType('object');
  const kinds: Array<fc.WeightedArbitrary<unknown>> = [
    { arbitrary: withInvalidFields, weight: 6 },
    { arbitrary: withExtraFields, weight: 3 },
    { arbitrary: notAnObject, weight: 1 },
  ];
  if (required.length > 0) {
    const withMissingFields = fc
      .tuple(validObject(spec), fc.uniqueArray(fc.constantFrom(...required), { minLength: 1 }))
      .map(([valid, missing]) => Object.fromEntries(Object.entries(valid).filter(([key]) => !missing.includes(key))));
    kinds.push({ arbitrary: withMissingFields, weight: 2 });
  }
  return fc.oneof(...kinds);
}

/** A nested object as a field: valid when it meets `spec`, invalid when it does not. */
export function objectField(spec: ObjectSpec, options: { optional?: boolean } = {}): FieldSpec {
  return { valid: validObject(spec), invalid: invalidObject(spec), ...options };
}

/** An integer field accepting `min`…`max` (inclusive); everything else is invalid. */
export function integerField(min: number, max: number, options: { optional?: boolean } = {}): FieldSpec {
  const outOfRange = fc.oneof(fc.integer({ max: min - 1 }), fc.integer({ min: max + 1 }), fc.constantFrom(min - 1, max + 1));
  return {
    valid: fc.integer({ min, max }),
    invalid: fc.oneof(
      notOfType('number'),
      outOfRange,
      fc.double({ noNaN: true, min: min - 1, max: max + 1 }).filter((value) => !Number.isInteger(value)),
      fc.constantFrom('1e400', '-1e400', '1.5e0', '123456789012345678901234567890', '1E+9999').map((text) => new RawJson(text)),
    ),
    ...options,
  };
}

/**
 * A string field: `valid` generates accepted strings; `accepts` says whether the contract takes a
 * string, so that generated strings it would take are never offered as invalid.
 */
export function stringField(
  valid: fc.Arbitrary<string>,
  accepts: (value: string) => boolean,
  options: { optional?: boolean; invalid?: fc.Arbitrary<string> } = {},
): FieldSpec {
  const strings = fc
    .oneof(unicodeString, hugeString, ...(options.invalid ? [options.invalid, options.invalid] : []))
    .filter((value) => !accepts(value));
  return { valid, invalid: fc.oneof(notOfType('string'), strings, strings), optional: options.optional };
}

/** A request as `app.inject()` takes it, with a label saying what makes it hostile. */
export interface HostileRequest {
  method: 'POST' | 'PUT' | 'DELETE' | 'PATCH' | 'GET';
  url: string;
  headers: Record<string, string>;
  payload?: string;
  kind: string;
}

const WRONG_CONTENT_TYPES = [
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=----myshop',
  'application/xml',
  'text/html',
  'application/octet-stream',
  'application/javascript',
  'image/png',
  'application/json-patch+json',
  'application/vnd.api+json',
];

/** JSON text that does not parse: cut short, with junk after it, or broken in the classic ways. */
export function invalidJsonText(validText: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const parses = (text: string) => {
    try {
      JSON.parse(text);
      return true;
    } catch {
      return false;
    }
  };
  return fc
    .oneof(
      fc.tuple(validText, fc.nat()).map(([text, cut]) => text.slice(0, text.length > 1 ? cut % (text.length - 1) : 0)),
      fc.tuple(validText, fc.constantFrom('}', ',', 'x', ']', '"', '\u0000')).map(([text, junk]) => text + junk),
      fc.constantFrom(
        '{',
        '}',
        '{"a":1,}',
        "{'a':1}",
        '{"a":}',
        '[1,]',
        'NaN',
        'undefined',
        '{"a":01}',
        '{"a":1}{"b":2}',
        '\ufeff{',
        '{"a":"\\x41"}',
        '{"a":"\\ud800"',
      ),
      unicodeString,
    )
    .filter((text) => text.length > 0 && !parses(text));
}

export interface JsonRequestsOptions {
  method: HostileRequest['method'];
  /** The route's URLs: valid ones, and ones the route must refuse (an unknown or malformed id). */
  url: { valid: fc.Arbitrary<string>; invalid?: fc.Arbitrary<string> };
  /** Headers a valid request carries (Authorization…). */
  headers?: Record<string, string>;
  /** Headers the route validates, e.g. Idempotency-Key. */
  headerSpecs?: Record<string, FieldSpec>;
  /** The body's contract; absent for routes that take no body. */
  body?: ObjectSpec;
  /** Authorization headers that must be refused (missing, garbage, forged); only for authenticated routes. */
  badAuthorization?: fc.Arbitrary<string | undefined>;
}

/**
 * Requests to one route that each break its contract somewhere: the body, a header, the URL,
 * the JSON itself, the content type, the size, or the credentials. Every one must be refused.
 */
export function hostileJsonRequests(options: JsonRequestsOptions): fc.Arbitrary<HostileRequest> {
  const { method, body, headerSpecs = {} } = options;
  const base = options.headers ?? {};
  const validHeaders = fc.record(Object.fromEntries(Object.entries(headerSpecs).map(([name, spec]) => [name, spec.valid])), {
    requiredKeys: Object.keys(headerSpecs).filter((name) => !headerSpecs[name]!.optional),
  }) as fc.Arbitrary<Record<string, string>>;
  const validBodyText = body ? validObject(body).map(toJsonText) : fc.constant(undefined);
  const json = (payload: string | undefined) => (payload === undefined ? {} : { 'content-type': 'application/json' });
  const request = (
    kind: string,
    url: string,
    headers: Record<string, string | undefined>,
    payload: string | undefined,
  ): HostileRequest => ({
    method,
    url,
    kind,
    headers: Object.fromEntries(
      Object.entries({ ...base, ...headers }).filter((entry): entry is [string, string] => entry[1] !== undefined),
    ),
    ...(payload === undefined ? {} : { payload }),
  });

  const kinds: Array<fc.WeightedArbitrary<HostileRequest>> = [];
  if (body) {
    kinds.push({
      weight: 10,
      arbitrary: fc
        .tuple(options.url.valid, validHeaders, invalidObject(body))
        .map(([url, headers, value]) =>
          request('malformed body', url, { ...headers, 'content-type': 'application/json' }, toJsonText(value)),
        ),
    });
  }
  for (const [name, spec] of Object.entries(headerSpecs)) {
    const invalidHeader = spec.invalid.filter(
      (value): value is string | undefined => value === undefined || (typeof value === 'string' && /^[\t\x20-\x7e]*$/.test(value)),
    );
    kinds.push({
      weight: 2,
      arbitrary: fc
        .tuple(options.url.valid, validHeaders, fc.option(invalidHeader, { nil: undefined }), validBodyText)
        .map(([url, headers, value, payload]) =>
          request(`bad ${name} header`, url, { ...headers, [name]: value, ...json(payload) }, payload),
        ),
    });
  }
  if (options.url.invalid) {
    kinds.push({
      weight: 3,
      arbitrary: fc
        .tuple(options.url.invalid, validHeaders, validBodyText)
        .map(([url, headers, payload]) => request('unknown or malformed id', url, { ...headers, ...json(payload) }, payload)),
    });
  }
  kinds.push(
    {
      weight: 2,
      arbitrary: fc
        .tuple(options.url.valid, validHeaders, invalidJsonText(body ? validObject(body).map(toJsonText) : fc.constant('{}')))
        .map(([url, headers, payload]) => request('invalid JSON', url, { ...headers, 'content-type': 'application/json' }, payload)),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          options.url.valid,
          validHeaders,
          body ? validBodyText : fc.constant('{}'),
          fc.option(fc.constantFrom(...WRONG_CONTENT_TYPES), { nil: undefined }),
        )
        .map(([url, headers, payload, type]) =>
          request(`content type ${type ?? '(none)'}`, url, { ...headers, 'content-type': type }, payload ?? '{}'),
        ),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(options.url.valid, validHeaders, fc.integer({ min: 70_000, max: 200_000 }))
        .map(([url, headers, size]) =>
          request(
            'body over the limit',
            url,
            { ...headers, 'content-type': 'application/json' },
            JSON.stringify({ padding: 'x'.repeat(size) }),
          ),
        ),
    },
  );
  if (options.badAuthorization) {
    kinds.push({
      weight: 2,
      arbitrary: fc
        .tuple(options.url.valid, validHeaders, validBodyText, options.badAuthorization)
        .map(([url, headers, payload, authorization]) =>
          request('bad credentials', url, { ...headers, authorization, ...json(payload) }, payload),
        ),
    });
  }
  return fc.oneof(...kinds);
}

/** Authorization headers that are no valid Bearer token: absent, empty, another scheme, garbage, or one of `forged`. */
export function badAuthorizationHeaders(forged: string[] = []): fc.Arbitrary<string | undefined> {
  return fc.oneof(
    fc.constant(undefined),
    fc.constantFrom(
      '',
      'Bearer',
      'Bearer ',
      'Basic YWRhOmNvcnJlY3QgaG9yc2U=',
      'Bearer a.b.c',
      'Bearer eyJhbGciOiJub25lIn0.e30.',
      'Token x',
    ),
    fc.stringMatching(/^[\x21-\x7e]{1,300}$/).map((token) => `Bearer ${token}`),
    ...(forged.length > 0 ? [fc.constantFrom(...forged).map((token) => `Bearer ${token}`)] : []),
  );
}
