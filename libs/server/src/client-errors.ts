import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { defineError, errorBody } from '@myshop/errors';
import type { FastifyInstance, onRequestHookHandler } from 'fastify';
import { API_SECURITY_HEADERS } from './security-headers.ts';

interface ClientError extends Error {
  code?: string;
  /** The chunk the parser was reading when it stopped (a Buffer), and where in it (Node's parser errors). */
  rawPacket?: unknown;
  bytesParsed?: number;
}

/**
 * What Node's HTTP parser refuses before Fastify sees a request (a malformed Content-Length, a
 * header line with no colon, headers past the size limit, a request not received in time),
 * answered in the error shape of every other error. Fastify's own handler writes a body with no
 * `code`; clients that call a replica directly (pod to pod, the local gateway) read this one.
 */
const ANSWERS: Record<string, { statusCode: number; code: string; message: string }> = {
  ERR_HTTP_REQUEST_TIMEOUT: { statusCode: 408, code: 'REQUEST_TIMEOUT', message: 'The request was not received in time' },
  HPE_HEADER_OVERFLOW: { statusCode: 431, code: 'HEADERS_TOO_LARGE', message: "The request's headers are larger than the server accepts" },
  // Not the parser's: a CONNECT, which Node hands to the server's `connect` event (refuseConnect).
  CONNECT: { statusCode: 405, code: 'METHOD_NOT_ALLOWED', message: 'CONNECT is not served: this is an API, not a proxy' },
};
const MALFORMED = { statusCode: 400, code: 'MALFORMED_REQUEST', message: 'The request is not valid HTTP/1.1' };
const UNKNOWN_METHOD = { statusCode: 501, code: 'METHOD_NOT_IMPLEMENTED', message: 'This method is not implemented' };
// The code the local gateway answers a request line past ingress-nginx's buffer with.
const LONG_REQUEST_LINE = { statusCode: 414, code: 'REQUEST_LINE_TOO_LONG', message: 'The request line is longer than the server accepts' };
// RFC 9110 §5.6.2: a method is a token, and a token is one or more of these characters.
const METHOD_TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+ /;
// A method, a space, and a request target (origin, asterisk or absolute form) still unfinished.
const UNFINISHED_REQUEST_LINE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+ (?:\/|\*|[A-Za-z][A-Za-z0-9+.-]*:\/\/)\S*$/;

function answerFor(error: ClientError): { statusCode: number; code: string; message: string } {
  if (error.code === 'HPE_INVALID_METHOD' && namesAMethod(error)) return UNKNOWN_METHOD;
  if (error.code === 'HPE_HEADER_OVERFLOW' && overflowedInRequestLine(error)) return LONG_REQUEST_LINE;
  return ANSWERS[error.code ?? ''] ?? MALFORMED;
}

/**
 * The line of the chunk the parser stopped in (after any earlier request on the connection), from
 * its start up to where the parser stopped, or its first `length` bytes.
 */
function lineWhereParserStopped({ rawPacket, bytesParsed }: ClientError, length?: number): string | undefined {
  if (!Buffer.isBuffer(rawPacket) || bytesParsed === undefined) return undefined;
  const start = rawPacket.lastIndexOf(0x0a, Math.max(0, bytesParsed - 1)) + 1;
  return rawPacket.subarray(start, length === undefined ? bytesParsed : start + length).toString('latin1');
}

/**
 * Whether the header size limit was passed while the request line was still being read: RFC 9112
 * (section 3) requires 414 for a request target longer than the server parses, where Node's parser
 * reports the same overflow as for headers (431). Told apart when the chunk the parser stopped in
 * holds the line from its method on; a target that arrived in several chunks stays 431.
 */
function overflowedInRequestLine(error: ClientError): boolean {
  const line = lineWhereParserStopped(error);
  return line !== undefined && UNFINISHED_REQUEST_LINE.test(line);
}

/**
 * Whether the request line the parser refused for its method starts with a method token: a
 * well-formed request for a method Node's parser does not know (`FOO`, `get`), which RFC 9110
 * (section 9.1) answers 501, not a line that is no request at all (400). The line starts after
 * the last line break before the byte the parser stopped at (a previous request on the connection).
 */
function namesAMethod(error: ClientError): boolean {
  const line = lineWhereParserStopped(error, 64);
  return line !== undefined && METHOD_TOKEN.test(line);
}

/** The raw answer written to the socket: there is no request (so no request id) and no reply to build it with. */
function clientErrorResponse(error: ClientError, headers: Readonly<Record<string, string>> = API_SECURITY_HEADERS): string {
  const { statusCode, code, message } = answerFor(error);
  const answer = errorBody(statusCode, code, message);
  const body = JSON.stringify(answer);
  const head = [
    `HTTP/1.1 ${statusCode} ${answer.error}`,
    'content-type: application/json; charset=utf-8',
    `content-length: ${Buffer.byteLength(body)}`,
    'cache-control: no-store',
    // The parser cannot tell where the next request would start: the connection ends here.
    'connection: close',
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  return `${head.join('\r\n')}\r\n\r\n${body}`;
}

/**
 * A Fastify `clientErrorHandler`: the same events as its default, answered in our error shape
 * with `headers` (the API's security headers for a service; none for the local gateway).
 */
export function clientErrorHandler(headers: Readonly<Record<string, string>> = API_SECURITY_HEADERS) {
  return function answerClientError(this: FastifyInstance, error: ClientError, socket: Socket): void {
    // A reset connection is gone; there is no one to answer (as Fastify's default does).
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    // The code only: the error holds the raw bytes received, an Authorization header among them.
    this.log.debug({ clientError: error.code }, 'client error');
    // An answer already under way (a timeout while the body still arrives) is not interrupted by
    // a second status line in its stream: the connection just ends, as Node's own handler does.
    const answering = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (socket.writable && !answering?.headersSent) socket.write(clientErrorResponse(error, headers));
    socket.destroy(error);
  };
}

/**
 * A server's `connect` listener. Node hands a CONNECT's socket to that event, not to Fastify, and
 * with no listener closes it without a word; here it gets a 405 in the error shape, like any other
 * request refused before routing, and the connection ends.
 */
export function refuseConnect(headers: Readonly<Record<string, string>> = API_SECURITY_HEADERS) {
  return function answerConnect(_request: IncomingMessage, socket: Duplex): void {
    // Node has let go of the socket: a client that resets it must not become an uncaught error.
    socket.on('error', () => socket.destroy());
    socket.end(clientErrorResponse({ name: 'Error', message: '', code: 'CONNECT' }, headers));
  };
}

/**
 * A server's `checkExpectation` listener. Node answers an `Expect` other than `100-continue`
 * with a 417 of its own, with no body and no route; RFC 9110 (section 10.1.1) lets a server
 * ignore an expectation it does not know instead, and so the request is served as if it had
 * none: its answer is one the route documents, in the API's shape.
 */
export function ignoreUnknownExpectations(server: Server) {
  return function serveAnyway(request: IncomingMessage, response: ServerResponse): void {
    server.emit('request', request, response);
  };
}

const MissingHost = defineError(MALFORMED.code, MALFORMED.message, MALFORMED.statusCode);

/**
 * An `onRequest` hook for a server made with `requireHostHeader: false`. An HTTP/1.1 request must
 * name its host (RFC 9112 §3.2); Node refuses one that does not with a bare 400 of its own (no
 * body, none of the API's headers). Here it is refused with the same answer as every other
 * request that is not valid HTTP/1.1, and the connection ends. So is a request of any version
 * with two Host lines, which the same section refuses too: Node keeps the first and serves it,
 * while a proxy in front may have routed by the other.
 */
export const refuseMissingHost: onRequestHookHandler = (request, reply, done) => {
  const missing = request.raw.httpVersion === '1.1' && request.headers.host === undefined;
  if (!missing && !hasRepeatedHost(request.raw.rawHeaders)) return done();
  void reply.headers({ ...API_SECURITY_HEADERS, connection: 'close' });
  done(new MissingHost());
};

/** Whether Host is among the header lines more than once; one pass, no copy (every request runs it). */
function hasRepeatedHost(rawHeaders: string[]): boolean {
  let seen = false;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (name.length !== 4 || name.toLowerCase() !== 'host') continue;
    if (seen) return true;
    seen = true;
  }
  return false;
}
