/**
 * Shared TypeBox primitives: one definition of an id, an email, an amount of money, a page
 * and the error body, so that every service validates and documents them the same way.
 */
import { STATUS_CODES } from 'node:http';
import { Type, type Static, type TSchema } from 'typebox';

/** The canonical 8-4-4-4-12 form: the services' validator holds `uuid` to exactly that (see @myshop/server). */
export const Uuid = Type.String({ format: 'uuid' });

/** Up to 254 characters, the longest address SMTP can deliver to. */
/** An address as mail servers take it: 254 characters at most, 64 before the @ (RFC 5321). */
export const Email = Type.String({ format: 'email', maxLength: 254, description: 'At most 64 characters before the @ (RFC 5321).' });

export const Timestamp = Type.String({ format: 'date-time' });

/** ISO 4217 alphabetic code, e.g. USD. */
export const CurrencyCode = Type.String({ pattern: '^[A-Z]{3}$', minLength: 3, maxLength: 3 });

/**
 * A currency ISO 4217 lists (as Node's ICU holds the list), for the shop's configured currency:
 * three capitals alone let `ABC` through, and every price would be labelled with it.
 */
export function isCurrencyCode(code: string): boolean {
  return Intl.supportedValuesOf('currency').includes(code);
}

/** The config rule for a CURRENCY key, as a `refine` of @myshop/config reports it. */
export function currencyProblems(code: string): Array<[string, string]> {
  return isCurrencyCode(code) ? [] : [['CURRENCY', 'must be an ISO 4217 currency code, such as USD']];
}

/** Money is always an integer number of minor units (cents): no floats anywhere. */
export const MinorUnits = Type.Integer({ minimum: 0, maximum: 99_999_999_999 });

/** The body of every error response, 4xx and 5xx alike. */
export const ErrorResponse = Type.Object(
  {
    statusCode: Type.Integer({ minimum: 400, maximum: 599 }),
    code: Type.String(),
    error: Type.String(),
    message: Type.String(),
  },
  { description: 'Every error response has this shape.' },
);
export type ErrorResponse = Static<typeof ErrorResponse>;

/**
 * The name ErrorResponse is registered under (`app.addSchema`, by @myshop/server's platform):
 * routes refer to it, so the OpenAPI document holds it once, in its components.
 */
export const ERROR_RESPONSE_ID = 'ErrorResponse';
export const SharedErrorResponse = { $id: ERROR_RESPONSE_ID, ...ErrorResponse };

const RETRY_AFTER_HEADER = {
  'retry-after': { type: 'string', pattern: '^[0-9]+$', description: 'Seconds to wait before trying again' },
};
const CHALLENGE_HEADER = {
  'www-authenticate': {
    type: 'string',
    description: 'The Bearer (or Basic) challenge, with the error when a token was refused (RFC 6750)',
  },
};

/**
 * The headers an answer of each status carries, whatever the route: a 429 or 503 says when trying
 * again can work (the error handler sends it), a 401 or 403 says which credentials are wanted.
 */
const STATUS_HEADERS: Record<number, Record<string, unknown>> = {
  401: CHALLENGE_HEADER,
  403: CHALLENGE_HEADER,
  429: RETRY_AFTER_HEADER,
  503: RETRY_AFTER_HEADER,
};

/**
 * A route's error response for `statusCode`: the shared body, described by the status (and why),
 * with the headers such an answer carries (@fastify/swagger writes `headers` as the response's
 * headers in the document).
 */
export function errorResponse(statusCode: number, why?: string) {
  const text = STATUS_CODES[statusCode] ?? 'Error';
  const headers = STATUS_HEADERS[statusCode];
  return Type.Ref(ERROR_RESPONSE_ID, {
    description: why ? `${text}: ${why}` : text,
    ...(headers ? { headers } : {}),
  });
}

/**
 * A 409 that waiting can resolve: another request with the same key (or for the same cart) is
 * still being done, and the answer says, in Retry-After, when to ask again.
 */
export function inProgressConflictResponse(why?: string) {
  const conflict = errorResponse(409, why);
  return {
    ...conflict,
    headers: {
      'retry-after': {
        ...RETRY_AFTER_HEADER['retry-after'],
        description: 'Sent when the conflict is a request still in progress: seconds to wait before trying again',
      },
    },
  };
}

/**
 * Error schemas for a route's `response`, keyed by status code: the statuses the route itself
 * answers with. Those of the platform (400, 404, 408, 413, 414, 415, 431, 500, 501, 503, and 401
 * where `security` is set) are added to every route by @myshop/server.
 */
export function errorResponses(...statusCodes: number[]): Record<number, ReturnType<typeof errorResponse>> {
  return Object.fromEntries(statusCodes.map((code) => [code, errorResponse(code)]));
}

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

/**
 * `?limit&cursor` of every list route; the cursor is opaque to clients. `limit` may be left out:
 * Optional keeps it out of `required` (what the OpenAPI document shows), and the validator
 * (useDefaults) fills in the default, so handlers see it always.
 */
export const PageQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE })),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);
export type PageQuery = Static<typeof PageQuery>;

export function Page<T extends TSchema>(item: T) {
  return Type.Object({
    items: Type.Array(item),
    nextCursor: Type.Union([Type.String(), Type.Null()]),
  });
}

/** Header required by every non-idempotent write that a client may retry. */
export const IdempotencyKey = Type.String({ minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7E]+$' });

export { CardDetails, containsCardNumber, isCardNumberValid, isLuhnValid, SANDBOX_CARDS, sandboxCard, UUID_IN_TEXT } from './card.ts';
export { CANONICAL_UUID, decodeCursor, encodeCursor, isUuid, paginate } from './pagination.ts';
