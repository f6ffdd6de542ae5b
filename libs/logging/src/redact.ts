import { UUID_IN_TEXT } from '@myshop/schemas';

/** What a censored value is written as. */
export const CENSOR = '[redacted]';

/**
 * Field names whose values must never reach a log line, at whatever depth they sit: credentials
 * and session material (the request and response headers among them), passwords and card data.
 * Compared in lower case, and written here with `_` between their words: each is also taken with
 * `-` there or nothing (`access_token`, `access-token`, `accesstoken`, so `accessToken` too), as
 * clients and headers spell them, at no cost per field.
 */
const SENSITIVE_NAMES = [
  'authorization',
  'proxy_authorization',
  'cookie',
  'set_cookie',
  'password',
  // What else clients call a password in a form or a query.
  'passwd',
  'pwd',
  'pw',
  'passphrase',
  'new_password',
  'current_password',
  // OAuth 2.0's own names (RFC 6749, RFC 8693), as they stand in a form or a query.
  'access_token',
  'refresh_token',
  'subject_token',
  'actor_token',
  'id_token',
  'token',
  'client_secret',
  'secret',
  // Other APIs' keys and sessions, as a client may send them here by mistake.
  'auth_token',
  'x_auth_token',
  'api_key',
  'x_api_key',
  'session_id',
  'jwt',
  'card',
  'card_number',
  'pan',
  'number',
  'cvc',
  'cvv',
];

export const SENSITIVE_FIELDS: ReadonlySet<string> = new Set(
  SENSITIVE_NAMES.flatMap((name) => [name, name.replaceAll('_', '-'), name.replaceAll('_', '')]),
);

type Container = Record<string, unknown> | unknown[];

/**
 * What holds a card number, whatever its parameter is called: 13 to 19 digits, maybe grouped by
 * spaces or dashes (PCI DSS: a full number never reaches a log), wherever they stand in the value
 * (`4242…4242%`, `pan:4242…`): one character more must not let it through. A run of them inside
 * a longer one of digits or letters (an id, a UUID's groups) is not one; nor, below, a UUID's last
 * groups when they happen to be all digits.
 */
const CARD_NUMBER_LIKE = /(?<![\dA-Za-z]|\d[ -])(?:\d[ -]?){12,18}\d(?![\dA-Za-z]|[ -]\d)/;

/**
 * What holds a JWT (an access token), whatever carries it: `eyJ…` (a JSON header), a payload,
 * a signature; or a token cut short of its signature, whose payload still names its user; anywhere
 * in the value (`Bearer eyJ…`, a token with a stray `%` or `.` after it).
 */
const JWT_LIKE = /eyJ[\w-]*\.[\w-]+/;

/**
 * Each canonical UUID read as one letter, as containsCardNumber reads it: its last groups may be
 * all digits no letter touches (`…-468e-8131-324571095776`), which CARD_NUMBER_LIKE alone takes
 * for a card number (a request id, an order id in a path). Digits beside a UUID are judged as
 * beside any word (`<uuid> 4242…` too).
 */
const holdsCardNumber = (value: string): boolean =>
  CARD_NUMBER_LIKE.test(value.includes('-') ? value.replaceAll(UUID_IN_TEXT, 'x') : value);

/** Whether `value` holds what looks like a card number or an access token, wherever it stands in it. */
export const looksSecret = (value: string): boolean => holdsCardNumber(value) || JWT_LIKE.test(value);

/** A header value a client chose, as a log line may carry it: censored whole if it holds either. */
export const censorHeaderValue = <T>(value: T): T | typeof CENSOR => (typeof value === 'string' && looksSecret(value) ? CENSOR : value);

/** A path that may hold either: only such a path is read segment by segment. */
const PATH_MAY_HOLD_SECRET = /eyJ|\d{4}/;

/**
 * `url` with the value of every sensitive query parameter censored, the rest as it came: a
 * client that puts `?password=…`, `?client_secret=…` or a card number on a URL (no route reads
 * a secret from the query) must not get it into the request line. A name counts as a server reads
 * it: decoded, in any case, with spaces around it, `[]` after it (`password[]=`), or nested in
 * another (`user[password]=`). A path
 * segment, or a query value under any name (or the name itself), that looks like a card number or
 * a token is censored too (`/user/eyJ…`: a client's mistake, not a route, but its token all the same).
 */
export function censorUrl(url: string): string {
  const queryAt = url.indexOf('?');
  if (queryAt === -1) return censorPath(url);
  const rawPath = url.slice(0, queryAt);
  const path = censorPath(rawPath);
  let censored = false;
  const pairs = url
    .slice(queryAt + 1)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      const name = equals === -1 ? pair : pair.slice(0, equals);
      const value = equals === -1 ? '' : decoded(pair.slice(equals + 1));
      // A name is the client's text too (`?4242…=1`, `?eyJ…`): such a one goes with its value.
      if (looksSecret(decoded(name))) {
        censored = true;
        return equals === -1 ? CENSOR : `${CENSOR}=${CENSOR}`;
      }
      if (!isSensitiveName(name) && !looksSecret(value)) return pair;
      censored = true;
      return `${name}=${CENSOR}`;
    });
  if (censored) return `${path}?${pairs.join('&')}`;
  return path === rawPath ? url : `${path}${url.slice(queryAt)}`;
}

function censorPath(path: string): string {
  if (!PATH_MAY_HOLD_SECRET.test(path)) return path;
  return path
    .split('/')
    .map((segment) => (looksSecret(decoded(segment)) ? CENSOR : segment))
    .join('/');
}

/**
 * Whether a query parameter's name stands for a sensitive field, as a server reads it: decoded,
 * in any case, with spaces around it, `[]` after it (`%20Password[]`), or nested as forms name
 * their fields (`user[password]`, `auth.client_secret`): any of its keys counts.
 */
function isSensitiveName(name: string): boolean {
  return decoded(name)
    .toLowerCase()
    .split(/[[\].]+/)
    .some((key) => SENSITIVE_FIELDS.has(key.trim()));
}

/** A query component as a server reads it (`+` is a space, %-escapes decoded); as written if malformed. */
function decoded(component: string): string {
  try {
    return decodeURIComponent(component.replaceAll('+', ' '));
  } catch {
    return component;
  }
}

/**
 * `value` with every sensitive field censored, in plain objects and arrays at any depth. The
 * caller's objects are never changed: what holds a censored field is copied, the rest is shared.
 * Class instances (a Fastify request, an Error, a Date) are left to their serializers, which
 * make plain objects of them first (the logger censors what its error serializer makes).
 *
 * One pass over the line's own fields, instead of pino's `redact`: with paths that must match at
 * any depth (`*.password`) pino runs its redactor, which parses every path again on each call,
 * over every value of every line; that was most of the cost of a request's line.
 */
export function censorSecrets<T>(value: T): T {
  return isContainer(value) ? (censorContainer(value, []) as T) : value;
}

/**
 * Data rather than a class instance: an array, an object literal (pino's serialized errors are
 * ones), a prototype-less object, or a dictionary whose prototype is one (Fastify's parsed query
 * string, from fast-querystring: neither an Object nor prototype-less, and with no constructor).
 */
function isContainer(value: unknown): value is Container {
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value) || (value as { constructor?: unknown }).constructor === Object) return true;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === null || Object.getPrototypeOf(prototype) === null;
}

function censorContainer(container: Container, ancestors: Container[]): Container {
  ancestors.push(container);
  const censored = Array.isArray(container) ? censorArray(container, ancestors) : censorObject(container, ancestors);
  ancestors.pop();
  return censored;
}

function censorObject(object: Record<string, unknown>, ancestors: Container[]): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(object)) {
    const value = object[key];
    const replaced = SENSITIVE_FIELDS.has(key.toLowerCase()) ? (value === undefined ? value : CENSOR) : censorNested(value, ancestors);
    if (replaced !== value) {
      copy ??= { ...object };
      copy[key] = replaced;
    }
  }
  return copy ?? object;
}

function censorArray(array: unknown[], ancestors: Container[]): unknown[] {
  let copy: unknown[] | undefined;
  array.forEach((value, index) => {
    const replaced = censorNested(value, ancestors);
    if (replaced !== value) {
      copy ??= [...array];
      copy[index] = replaced;
    }
  });
  return copy ?? array;
}

function censorNested(value: unknown, ancestors: Container[]): unknown {
  if (!isContainer(value)) return value;
  // A cycle would be written from the uncensored original: cut it, as pino's safe stringify does.
  if (ancestors.includes(value)) return '[Circular]';
  return censorContainer(value, ancestors);
}
