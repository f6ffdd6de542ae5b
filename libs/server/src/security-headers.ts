import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet, { type HelmetOptions } from 'helmet';

/** The security headers of every API answer (also applied to the router's own errors, see framework-errors.ts). */
export const API_HELMET_OPTIONS = {
  // Nothing the API serves is a page: forbid every source and framing outright.
  contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
  crossOriginResourcePolicy: { policy: 'same-site' },
  // An API response is never framed: deny outright (OWASP REST), as frame-ancestors does.
  frameguard: { action: 'deny' },
} satisfies HelmetOptions;

/**
 * The headers helmet sets for `options`, by lower-case name, worked out once. helmet is the
 * authority on them, but its middleware (and @fastify/helmet's hook around it) builds them again
 * on every request; none of ours depends on the request. (Its one removal, X-Powered-By, is a
 * header neither Node nor Fastify sets.)
 */
export function helmetHeaders(options: HelmetOptions): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader(name: string, value: string) {
      headers[name.toLowerCase()] = value;
    },
    removeHeader: () => undefined,
  };
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, () => undefined);
  return Object.freeze(headers);
}

export const API_SECURITY_HEADERS = helmetHeaders(API_HELMET_OPTIONS);
