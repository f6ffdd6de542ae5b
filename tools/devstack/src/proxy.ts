import replyFrom from '@fastify/reply-from';
import { errorBody } from '@myshop/errors';
import { requestIdFor } from '@myshop/logging';
import { clientErrorHandler } from '@myshop/server';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Endpoints } from './endpoints.ts';

export type RouteResolution = { endpoints: Endpoints } | { notFound: string };

export interface ProxyOptions {
  /** Which service's replicas a request goes to, or why none does. */
  resolve(request: FastifyRequest): RouteResolution;
  /** ingress-nginx's default client_max_body_size. */
  bodyLimit?: number;
  /** ingress-nginx's default proxy-read-timeout. */
  upstreamTimeoutMs?: number;
}

/** Methods that may be sent again after a connection broke mid-request (RFC 9110 §9.2.2). */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);
/** Errors that prove the request never reached the replica: any method may try another one. */
const NOT_DELIVERED = new Set(['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'EHOSTUNREACH']);
const CONNECTION_BROKEN = new Set(['ECONNRESET', 'UND_ERR_SOCKET', 'EPIPE']);
const MAX_ATTEMPTS = 3;

/**
 * A reverse proxy that behaves like ingress-nginx in front of a Service: it balances over ready
 * replicas, tries another replica when one refuses the connection, passes bodies through byte
 * for byte, and answers with the services' JSON error shape when it has no one to ask.
 */
export function createProxy(options: ProxyOptions): FastifyInstance {
  // The request id starts here (or with the client) and the services keep it on every log line.
  const app = Fastify({
    logger: false,
    genReqId: requestIdFor,
    bodyLimit: options.bodyLimit ?? 1_048_576,
    return503OnClosing: true,
    // A request Node's parser refuses gets the services' error shape here too (no API headers: not the API).
    clientErrorHandler: clientErrorHandler({}),
  });
  const timeout = options.upstreamTimeoutMs ?? 60_000;

  // Bodies stay opaque bytes: the service, not the gateway, judges JSON and content types.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  void app.register(replyFrom, { disableRequestLogging: true, undici: { connections: 64, keepAliveTimeout: 30_000 } });

  const forward = (request: FastifyRequest, reply: FastifyReply, endpoints: Endpoints, tried: Set<string>): void => {
    const endpoint = endpoints.pick(tried);
    if (!endpoint) {
      sendError(reply, 503, 'NO_READY_UPSTREAM', `No ready replica of ${endpoints.service}`);
      return;
    }
    tried.add(endpoint.name);
    const body = request.body as Buffer | undefined;
    reply.from(`${endpoint.origin}${request.url}`, {
      timeout,
      ...(body && body.length > 0 ? { body, contentType: String(request.headers['content-type'] ?? 'application/octet-stream') } : {}),
      rewriteRequestHeaders: (_request, headers) => ({
        ...headers,
        // ingress-nginx passes the client's Host on; so do we.
        host: request.headers.host ?? headers.host,
        'x-request-id': request.id,
        'x-forwarded-for': request.ip,
        'x-forwarded-host': request.headers.host ?? '',
        'x-forwarded-proto': 'http',
      }),
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
    handler: (request, reply) => {
      const resolution = options.resolve(request);
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

/** The gateway's own answers carry the services' error body, so a client reads one shape whoever answered. */
function sendError(reply: FastifyReply, statusCode: number, code: string, message: string): FastifyReply {
  // As the services' error handler does: a 503 says when trying again can work.
  if (statusCode === 503) reply.header('retry-after', '1');
  return reply
    .code(statusCode)
    .type('application/json')
    .send(errorBody(statusCode, code, message));
}
