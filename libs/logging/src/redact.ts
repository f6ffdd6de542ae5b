/** What a censored value is written as. */
export const CENSOR = '[redacted]';

/**
 * Field names (compared in lower case) whose values must never reach a log line, at whatever
 * depth they sit: credentials and session material (the request and response headers among
 * them), passwords and card data.
 */
export const SENSITIVE_FIELDS: ReadonlySet<string> = new Set(
  [
    'authorization',
    'proxy-authorization',
    'cookie',
    'set-cookie',
    'password',
    'newPassword',
    'currentPassword',
    'accessToken',
    'refreshToken',
    'token',
    'clientSecret',
    'client_secret',
    'card',
    'cardNumber',
    'number',
    'cvc',
    'cvv',
  ].map((field) => field.toLowerCase()),
);

type Container = Record<string, unknown> | unknown[];

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

/** Data rather than a class instance: an array, an object literal (pino's serialized errors are ones), or a prototype-less object. */
function isContainer(value: unknown): value is Container {
  if (typeof value !== 'object' || value === null) return false;
  return Array.isArray(value) || (value as { constructor?: unknown }).constructor === Object || Object.getPrototypeOf(value) === null;
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
