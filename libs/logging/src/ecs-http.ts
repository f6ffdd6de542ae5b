import { censorUrl } from './redact.ts';

/** What the request line of @myshop/server passes as `req`: a Fastify request, Node's own as `raw`. */
interface FastifyRequestLike {
  raw: { httpVersion: string };
  id: string;
  method: string;
  url: string;
  ip: string;
}

/** What it passes as `res`: a Fastify reply, or only the status of a request no answer of which was sent. */
interface ReplyLike {
  statusCode: number;
  getHeader?(name: string): unknown;
}

function isFastifyRequest(value: unknown): value is FastifyRequestLike {
  return typeof value === 'object' && value !== null && typeof (value as { raw?: { httpVersion?: unknown } }).raw?.httpVersion === 'string';
}

function isReplyLike(value: unknown): value is ReplyLike {
  return typeof value === 'object' && value !== null && typeof (value as { statusCode?: unknown }).statusCode === 'number';
}

/**
 * A Fastify request and its reply as ECS fields: method, url, client address (the proxy-aware
 * `request.ip`), HTTP version and request id, what the JSON line's `req` carries; the status and
 * the body's size. The ECS formatter itself converts Node's raw request only (a Fastify one it
 * drops), and it would copy every header of both, which the request line then had to drop again:
 * about 2 µs a request (docs/performance.md, "The ECS request line"). A `res` with no status, and a
 * line with no Fastify request, are left to it.
 */
export function ecsHttpFields(line: Record<string, unknown>): Record<string, unknown> {
  const { req, res, ...rest } = line;
  if (!isFastifyRequest(req)) return line;
  const url = censorUrl(req.url);
  const queryAt = url.indexOf('?');
  const http = (rest.http ?? {}) as Record<string, unknown>;
  const reply = isReplyLike(res);
  return {
    ...rest,
    http: {
      ...http,
      version: req.raw.httpVersion,
      request: { ...(http.request as object | undefined), method: req.method, id: req.id },
      ...(reply && { response: responseFields(res) }),
    },
    url: queryAt === -1 ? { original: url, path: url } : { original: url, path: url.slice(0, queryAt), query: url.slice(queryAt + 1) },
    client: { address: req.ip, ip: req.ip },
    ...(!reply && res !== undefined && { res }),
  };
}

function responseFields(reply: ReplyLike): Record<string, unknown> {
  const bytes = Number(reply.getHeader?.('content-length'));
  return Number.isNaN(bytes) ? { status_code: reply.statusCode } : { status_code: reply.statusCode, body: { bytes } };
}
