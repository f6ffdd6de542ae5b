import { errorBody } from '@myshop/errors';
import { REQUEST_ID_HEADER } from '@myshop/logging';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { RequestLogController } from './request-log.ts';
import { API_SECURITY_HEADERS } from './security-headers.ts';

/** The longest path parameter the router takes; past it the answer is 414 (Fastify's default). */
export const MAX_PATH_PARAM_LENGTH = 100;

/**
 * Fastify's router answers two errors itself, before any hook or the error handler runs: a path
 * with malformed percent-encoding (400 FST_ERR_BAD_URL) and a path parameter longer than
 * MAX_PATH_PARAM_LENGTH (414 FST_ERR_MAX_PARAM_LENGTH, whose own body says "Bad Request"). Here
 * they get the shape, status text and headers of every other error: the JSON error body, the
 * API's security headers, no caching and the request id. Fastify runs no onResponse hook and
 * writes no request line for them, so both are done here when the answer is finished: the line
 * (through the app's log controller) and the request duration metric (route `unmatched`).
 */
export function frameworkErrorHandler(logController: RequestLogController) {
  return function answerFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
    const started = performance.now();
    reply.raw.once('finish', () => {
      const elapsedMs = performance.now() - started;
      logController.answered(null, request, reply, elapsedMs);
      if (request.server.hasDecorator('metrics')) request.server.metrics.recordAnswer(request, reply, elapsedMs);
    });
    answer(error, request, reply);
  };
}

function answer(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const { statusCode, code, message } = describeFrameworkError(error);
  void reply
    .headers(API_SECURITY_HEADERS)
    .code(statusCode)
    .header('cache-control', 'no-store')
    .header(REQUEST_ID_HEADER, request.id)
    .type('application/json')
    .send(errorBody(statusCode, code, message));
}

/** The status, code and words of a router error, for whoever answers it (the services, the local gateway). */
export function describeFrameworkError(error: FastifyError): { statusCode: number; code: string; message: string } {
  switch (error.code) {
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return { statusCode: 414, code: error.code, message: `A path parameter is longer than ${MAX_PATH_PARAM_LENGTH} characters` };
    case 'FST_ERR_BAD_URL':
      return { statusCode: 400, code: error.code, message: 'The path holds malformed percent-encoding' };
    default:
      // Async route constraints, which no service uses: a fault of ours, not of the request.
      return { statusCode: 500, code: 'INTERNAL_SERVER_ERROR', message: 'Something went wrong on our side.' };
  }
}
