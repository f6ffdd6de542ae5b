import type { FastifyRequest } from 'fastify';

/**
 * A request-target in absolute form (`GET http://myshop.com/cart HTTP/1.1`) as nginx reads one:
 * a scheme of letters, a host of letters, digits, dots and hyphens or an IP literal, a port of
 * digits if any, then the path or the query.
 */
const ABSOLUTE_FORM = /^[a-z]+:\/\/([a-z0-9.-]*|\[[0-9a-f:.]*\])(?::\d*)?(?=[/?]|$)/i;

/**
 * For Fastify's `rewriteUrl`: an absolute-form target's path and query, which nginx routes by
 * and passes on alone (RFC 9112 §3.2.2), and any other target as it came. Fastify keeps the
 * target as sent in `request.originalUrl`.
 */
export function originForm(request: { url?: string }): string {
  const url = request.url ?? '/';
  const authority = ABSOLUTE_FORM.exec(url);
  if (!authority) return url;
  const rest = url.slice(authority[0].length);
  return rest.startsWith('/') ? rest : `/${rest}`;
}

/** The host an absolute-form target names, which stands for the Host header (RFC 9112 §3.2.2). */
export function targetHost(request: FastifyRequest): string | undefined {
  return ABSOLUTE_FORM.exec(request.originalUrl)?.[1];
}
