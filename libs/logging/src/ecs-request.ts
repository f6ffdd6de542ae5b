import { censorUrl } from './redact.ts';

/** What the request line of @myshop/server passes as `req`: a Fastify request, Node's own as `raw`. */
interface FastifyRequestLike {
  raw: { httpVersion: string };
  id: string;
  method: string;
  url: string;
  ip: string;
}

function isFastifyRequest(value: unknown): value is FastifyRequestLike {
  return typeof value === 'object' && value !== null && typeof (value as { raw?: { httpVersion?: unknown } }).raw?.httpVersion === 'string';
}

/**
 * A Fastify request as ECS fields: method, url, client address (the proxy-aware `request.ip`),
 * HTTP version and request id, what the JSON line's `req` carries. The ECS formatter itself
 * converts Node's raw request only (a Fastify one it drops), and would copy every header.
 */
export function ecsRequestFields(line: Record<string, unknown>): Record<string, unknown> {
  const { req, ...rest } = line;
  if (!isFastifyRequest(req)) return line;
  const url = censorUrl(req.url);
  const queryAt = url.indexOf('?');
  const http = (rest.http ?? {}) as Record<string, unknown>;
  return {
    ...rest,
    http: { ...http, version: req.raw.httpVersion, request: { ...(http.request as object | undefined), method: req.method, id: req.id } },
    url: queryAt === -1 ? { original: url, path: url } : { original: url, path: url.slice(0, queryAt), query: url.slice(queryAt + 1) },
    client: { address: req.ip, ip: req.ip },
  };
}
