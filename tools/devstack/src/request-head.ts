import type { FastifyRequest } from 'fastify';
import { serverName } from './host-name.ts';
import { targetHost } from './request-target.ts';

export interface HeadRefusal {
  statusCode: number;
  code: string;
  message: string;
}

const MALFORMED = { statusCode: 400, code: 'MALFORMED_REQUEST', message: 'The request is not valid HTTP/1.1' };
const OTHER_VERSION = { statusCode: 505, code: 'HTTP_VERSION_NOT_SUPPORTED', message: 'This server speaks HTTP/1.0 and HTTP/1.1' };

/**
 * Headers nginx takes once (ngx_http_process_unique_header_line), refusing a second line with
 * 400, where Node keeps the first line of some and joins the others. A second Host has its own
 * answer; a second Content-Length or Transfer-Encoding Node's parser refuses itself.
 */
const ONCE = [
  'Authorization',
  'Content-Range',
  'Expect',
  'If-Match',
  'If-Modified-Since',
  'If-None-Match',
  'If-Range',
  'If-Unmodified-Since',
];

/**
 * What nginx refuses in a request's head before any service sees it, with the services' codes
 * (nginx closes the connection after each):
 * - a request line of HTTP/2.0, which Node parses and nginx answers 505 (RFC 9110 §15.6.6), or
 *   of HTTP/0.9, which has no headers (400);
 * - a target neither a path nor an absolute URL nginx reads (`*`, `http://user@myshop.com/`), or
 *   whose host is no name;
 * - a second line of a header nginx takes once: Authorization (whose credential counts?),
 *   If-Match and the other conditionals, Expect, Content-Range;
 * - an HTTP/1.1 request that names no host (RFC 9112 §3.2), a Host nginx reads no name from
 *   (`Host:`, `Host: :80`, `Host: a/b`), or two Host lines (which would the route follow?).
 */
export function refusedRequestHead(request: FastifyRequest): HeadRefusal | undefined {
  const major = request.raw.httpVersionMajor;
  if (major !== 1) return major > 1 ? OTHER_VERSION : MALFORMED;
  // An absolute-form target nginx reads is a path by now (originForm).
  if (!request.url.startsWith('/')) return { ...MALFORMED, message: 'The request target is neither a path nor an absolute URL' };
  const target = targetHost(request);
  if (target !== undefined && serverName(target) === undefined) return { ...MALFORMED, message: 'The request target names no host' };
  // headersDistinct keeps every line of a header, where headers keeps the first Host or joins them.
  const lines = request.raw.headersDistinct;
  const repeated = ONCE.find((name) => (lines[name.toLowerCase()]?.length ?? 0) > 1);
  if (repeated) return { ...MALFORMED, message: `Send one ${repeated} header` };
  const hosts = lines.host ?? [];
  if (hosts.length > 1 || (hosts.length === 0 && request.raw.httpVersion === '1.1')) return MALFORMED;
  if (hosts.length === 1 && serverName(hosts[0]!) === undefined) return { ...MALFORMED, message: 'The Host header names no host' };
  return undefined;
}
