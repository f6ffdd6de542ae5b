import type { IncomingHttpHeaders } from 'node:http';
import replyFrom from '@fastify/reply-from';
import { errorBody } from '@myshop/errors';
import { requestIdFor } from '@myshop/logging';
import { clientErrorHandler, continueWithinLimit, describeFrameworkError, ignoreUnknownExpectations, refuseConnect } from '@myshop/server';
import Fastify, { errorCodes, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { Agent, type Dispatcher } from 'undici';
import { BODYLESS, refusedBodyFraming } from './body-framing.ts';
import type { Endpoints } from './endpoints.ts';
import { lineBeyondNginxBuffers } from './header-buffers.ts';
import { serverName } from './host-name.ts';
import { refusedRequestHead } from './request-head.ts';
import { originForm, targetHost } from './request-target.ts';

export type RouteResolution = { endpoints: Endpoints } | { notFound: string };

export interface ProxyOptions {
  /**
   * Which service's replicas a request goes to, or why none does. `host` is the host the request
   * is for: the one its absolute-form target names, else its Host header.
   */
  resolve(request: FastifyRequest, host: string | undefined): RouteResolution;
  /** ingress-nginx's default client_max_body_size. */
  bodyLimit?: number;
  /** ingress-nginx's default proxy-read-timeout. */
  upstreamTimeoutMs?: number;
  /** Longest a client may take to send its whole request: ingress-nginx's client timeouts (60 s). */
  clientTimeoutMs?: number;
}

/** Methods that may be sent again after a connection broke mid-request (RFC 9110 §9.2.2). */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);
/** Errors that prove the request never reached the replica: any method may try another one. */
const NOT_DELIVERED = new Set(['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'EHOSTUNREACH']);
const CONNECTION_BROKEN = new Set(['ECONNRESET', 'UND_ERR_SOCKET', 'EPIPE']);
const MAX_ATTEMPTS = 3;
/**
 * Carries the client's request-target past @fastify/reply-from, which resolves dot segments
 * (`/cart/./x` becomes `/cart/x`) and refuses `..`, even encoded, with a 400 of its own.
 */
const RAW_TARGET_HEADER = 'x-devstack-raw-target';

/**
 * Sends each request with the request-target exactly as the client wrote it, as nginx's
 * proxy_pass without a URI does: what a path with dot segments names is the service's to judge.
 */
const sendRawTarget: Dispatcher.DispatcherComposeInterceptor = (dispatch) => (options, handler) => {
  const { [RAW_TARGET_HEADER]: target, ...headers } = options.headers as Record<string, string | string[] | undefined>;
  return dispatch({ ...options, headers, path: typeof target === 'string' ? target : options.path }, handler);
};

/**
 * A reverse proxy that behaves like ingress-nginx in front of a Service: it balances over ready
 * replicas, tries another replica when one refuses the connection (never again when one answers,
 * a 503 included), passes bodies through byte for byte, and answers with the services' JSON error
 * shape when it has no one to ask.
 */
export function createProxy(options: ProxyOptions): FastifyInstance {
  // The request id starts here (or with the client) and the services keep it on every log line.
  const clientTimeout = options.clientTimeoutMs ?? 60_000;
  const app = Fastify({
    logger: false,
    genReqId: requestIdFor,
    bodyLimit: options.bodyLimit ?? 1_048_576,
    // A client that stops sending its body gets 408, as from nginx, instead of a held connection:
    // the gateway reads a body whole before it forwards it (Node's own checks, every 30 s and at
    // its 60 s headers timeout, are brought to this limit as in @myshop/server).
    requestTimeout: clientTimeout,
    // A request without Host is refused in the error shape below, not with Node's bare 400.
    http: { headersTimeout: clientTimeout, connectionsCheckingInterval: Math.min(1000, clientTimeout), requireHostHeader: false },
    return503OnClosing: true,
    // An absolute-form target (`GET http://myshop.com/cart`) is routed and forwarded by its path.
    rewriteUrl: originForm,
    // A request Node's parser refuses gets the services' error shape here too (no API headers: not the API).
    clientErrorHandler: clientErrorHandler({}),
    // So does a path the router cannot decode (malformed %-escapes), with the services' own code
    // and words, instead of Fastify's default answer echoing the path.
    frameworkErrors: (error, _request, reply) => {
      const { statusCode, code, message } = describeFrameworkError(error);
      sendError(reply, statusCode, code, message);
    },
  });
  // What nginx refuses in a request's head (request-head.ts), closing the connection after it.
  app.addHook('onRequest', async (request, reply) => {
    const refusal = refusedRequestHead(request);
    if (refusal) return sendError(reply.header('connection', 'close'), refusal.statusCode, refusal.code, refusal.message);
  });
  // A request or header line nginx's buffers cannot hold never reaches a service behind the edge.
  app.addHook('onRequest', async (request, reply) => {
    const oversize = lineBeyondNginxBuffers(request);
    // nginx closes the connection after either refusal.
    if (oversize) return sendError(reply.header('connection', 'close'), oversize.statusCode, oversize.code, oversize.message);
  });
  // A body the gateway would not pass on as the client framed it gets the edge's answer (body-framing.ts).
  app.addHook('onRequest', async (request, reply) => {
    const refusal = refusedBodyFraming(request);
    if (refusal)
      return sendError(refusal.close ? reply.header('connection', 'close') : reply, refusal.statusCode, refusal.code, refusal.message);
  });
  // TRACE would echo the request back, cookies and credentials included: nginx refuses it with
  // 405 and closes, for any host and path, after the checks above.
  app.addHook('onRequest', async (request, reply) => {
    if (request.method === 'TRACE') return sendError(reply.header('connection', 'close'), 405, 'METHOD_NOT_ALLOWED', 'TRACE is not served');
  });
  // While the gateway stops, an answer still in flight tells its client to close the connection,
  // as nginx's does when it shuts down: a client that keeps its connections (a replica calling
  // another service through its stand-in) would otherwise hold the close for Node's keep-alive
  // timeout, and the stack's stop with it.
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });
  // A CONNECT too, which nginx refuses itself: this gateway is not a forward proxy either.
  app.server.on('connect', refuseConnect({}));
  // An Expect other than 100-continue: nginx ignores it and forwards the request, so the gateway
  // serves it too (Expect is not forwarded, see below) instead of Node's bodiless 417.
  app.server.on('checkExpectation', ignoreUnknownExpectations(app.server));
  const timeout = options.upstreamTimeoutMs ?? 60_000;
  const bodyLimit = app.initialConfig.bodyLimit!;
  // Expect: 100-continue with a declared length past the limit: nginx answers 413 instead of 100.
  app.server.on('checkContinue', continueWithinLimit(app.server, bodyLimit));

  // Bodies stay opaque bytes: the service, not the gateway, judges JSON and content types.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  const upstreamAgent = new Agent({ connections: 64, keepAliveTimeout: 30_000 });
  void app.register(replyFrom, { disableRequestLogging: true, undici: upstreamAgent.compose(sendRawTarget) });
  app.addHook('onClose', () => upstreamAgent.close());

  const forward = (request: FastifyRequest, reply: FastifyReply, endpoints: Endpoints, tried: Set<string>): void => {
    const endpoint = endpoints.pick(tried);
    if (!endpoint) {
      sendError(reply, 503, 'NO_READY_UPSTREAM', `No ready replica of ${endpoints.service}`);
      return;
    }
    tried.add(endpoint.name);
    const body = request.body as Buffer | undefined;
    // nginx's $best_http_host: the client's Host, else the name an absolute-form target gave.
    const host = request.headers.host ?? serverName(targetHost(request) ?? '');
    // Only the origin: the path and query go as the client sent them (sendRawTarget), undecoded,
    // as nginx passes them on (a malformed %-escape or a dot segment is the service's to judge).
    reply.from(`${endpoint.origin}/`, {
      timeout,
      // A replica's answer goes to the client as it is, a 503 too: nginx's proxy_next_upstream is
      // `error timeout`. Left to itself, reply-from sends a GET that got a 503 up to 10 times more
      // to the same replica (its `maxRetriesOn503`, which 0 does not turn off): 11 requests to a
      // replica shedding load, and a client waiting 11 times as long during a database outage.
      retryDelay: () => null,
      // The bytes as read, an empty body too: left to reply-from, a Buffer would be re-encoded as JSON.
      ...(body ? { body, contentType: String(request.headers['content-type'] ?? 'application/octet-stream') } : {}),
      // Expect: 100-continue is between the client and the gateway (Node has answered it), and so
      // are Keep-Alive and Upgrade (which undici refuses to send: a 502): nginx clears the first
      // two, and an Upgrade it passes on is one the services never take. A GET or HEAD body is not
      // forwarded (the services never read one), nor its length.
      rewriteRequestHeaders: (_request, { expect: _expect, 'keep-alive': _keepAlive, upgrade: _upgrade, ...headers }) => ({
        ...(BODYLESS.has(request.method) ? withoutBodyHeaders(headers) : headers),
        // ingress-nginx passes the client's Host on; so do we.
        host: host ?? headers.host,
        'x-request-id': request.id,
        'x-forwarded-for': request.ip,
        'x-forwarded-host': host ?? '',
        'x-forwarded-proto': 'http',
        [RAW_TARGET_HEADER]: request.url,
      }),
      // The replica's Connection and Keep-Alive speak of its connection to the gateway; copied, they
      // would keep a client's connection open after it asked to close (HTTP/1.0 included). Node
      // then decides, as nginx does, from the client's own request.
      rewriteHeaders: withoutHopByHopHeaders,
      onError: (_reply, { error }) => {
        const code = (error as { cause?: { code?: string } }).cause?.code ?? '';
        const retryable = NOT_DELIVERED.has(code) || (CONNECTION_BROKEN.has(code) && IDEMPOTENT.has(request.method));
        if (NOT_DELIVERED.has(code)) endpoints.markUnready(endpoint.name, `the gateway could not connect (${code})`);
        if (retryable && tried.size < MAX_ATTEMPTS) return forward(request, reply, endpoints, tried);
        const timedOut = (error as { statusCode?: number }).statusCode === 504;
        sendError(reply, timedOut ? 504 : 502, timedOut ? 'UPSTREAM_TIMEOUT' : 'BAD_GATEWAY', `${endpoints.service} did not answer`);
      },
    });
  };

  app.route({
    method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    url: '/*',
    // nginx's client_max_body_size covers every method, Fastify's bodyLimit only the bodies it reads.
    preHandler: async (request) => {
      if (BODYLESS.has(request.method) && !(await bodyWithinLimit(request, bodyLimit))) throw new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE();
    },
    handler: (request, reply) => {
      const resolution = options.resolve(request, targetHost(request) ?? request.headers.host);
      if ('notFound' in resolution) return sendError(reply, 404, 'NOT_FOUND', resolution.notFound);
      forward(request, reply, resolution.endpoints, new Set());
      return reply;
    },
  });
  app.setNotFoundHandler((request, reply) => sendError(reply, 404, 'NOT_FOUND', `No route for ${request.method} ${request.url}`));
  app.setErrorHandler((error: { statusCode?: number; code?: string; message: string }, _request, reply) => {
    // A request the gateway refuses itself (a body past the limit, a path climbing out with "..")
    // is the client's fault, whatever code the refusal came with; anything else is the upstream's.
    const refused = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500;
    sendError(reply, refused ? error.statusCode! : 502, error.code ?? (refused ? 'BAD_REQUEST' : 'BAD_GATEWAY'), error.message);
  });
  return app;
}

/**
 * Whether the body of a request Fastify does not read stays within `limit`: its declared length,
 * or a chunked body counted as it arrives, as nginx counts it. Past the limit it is left flowing,
 * so Node discards the rest and the client reads the 413 instead of a reset.
 */
function bodyWithinLimit(request: FastifyRequest, limit: number): Promise<boolean> {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > limit) return Promise.resolve(false);
  if (request.headers['transfer-encoding'] === undefined) return Promise.resolve(true);
  return new Promise((resolve) => {
    let received = 0;
    const finish = (within: boolean) => {
      request.raw.off('data', onData).off('end', onEnd).off('error', onBroken).off('close', onBroken);
      resolve(within);
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > limit) finish(false);
    };
    const onEnd = () => finish(true);
    // A client gone mid-body is forwarded nowhere; the 413 it gets is read by no one.
    const onBroken = () => finish(false);
    request.raw.on('data', onData).on('end', onEnd).on('error', onBroken).on('close', onBroken).resume();
  });
}

function withoutHopByHopHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const { connection: _connection, 'keep-alive': _keepAlive, ...rest } = headers;
  return rest;
}

function withoutBodyHeaders(headers: Record<string, unknown>): Record<string, unknown> {
  const { 'content-length': _length, 'transfer-encoding': _encoding, ...rest } = headers;
  return rest;
}

/** The gateway's own answers carry the services' error body, so a client reads one shape whoever answered. */
function sendError(reply: FastifyReply, statusCode: number, code: string, message: string): FastifyReply {
  // As the services' error handler does: a 503 says when trying again can work.
  if (statusCode === 503) reply.header('retry-after', '1');
  return reply
    .code(statusCode)
    .type('application/json')
    .send(errorBody(statusCode, code, message));
}
