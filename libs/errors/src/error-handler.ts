import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import fp from 'fastify-plugin';
import { isDefinedError, isSelfProtection } from './define-error.ts';

/**
 * Every error leaves as `{ statusCode, code, error, message }`. Client errors keep their code and
 * message; a 5xx is logged with its stack (but a service's self-protection, define-error.ts), and
 * answered without its details when nobody declared it on purpose.
 */
async function errorHandler(app: FastifyInstance): Promise<void> {
  app.setErrorHandler((error: FastifyError & { headers?: Record<string, string> }, request, reply) => {
    if (error.validation) {
      return send(reply, 400, 'FST_ERR_VALIDATION', error.message);
    }
    const statusCode = validStatus(error.statusCode);
    if (statusCode >= 500) {
      if (!isSelfProtection(error)) request.log.error({ err: error }, 'request failed');
      if (!isDefinedError(error)) {
        return send(reply, statusCode, 'INTERNAL_SERVER_ERROR', 'Something went wrong on our side.');
      }
    }
    if (error.headers) reply.headers(error.headers);
    // A 503 is a promise that trying again later can work; say when.
    if (statusCode === 503 && !reply.hasHeader('retry-after')) reply.header('retry-after', RETRY_AFTER_SECONDS);
    return send(reply, statusCode, error.code ?? codeOf(statusCode), error.message);
  });

  app.setNotFoundHandler((request, reply) =>
    send(reply, 404, 'NOT_FOUND', `Route ${request.method} ${request.url.split('?')[0]} not found`),
  );
}

const RETRY_AFTER_SECONDS = '1';

function send(reply: FastifyReply, statusCode: number, code: string, message: string): FastifyReply {
  return reply
    .code(statusCode)
    .type('application/json')
    .send(errorBody(statusCode, code, message));
}

/** The body of every error answer; `error` is the status' standard text ("URI Too Long" for 414). */
export function errorBody(statusCode: number, code: string, message: string): ErrorBody {
  return { statusCode, code, error: STATUS_CODES[statusCode] ?? 'Error', message };
}

export interface ErrorBody {
  statusCode: number;
  code: string;
  error: string;
  message: string;
}

function validStatus(statusCode: number | undefined): number {
  return statusCode !== undefined && statusCode >= 400 && statusCode <= 599 ? statusCode : 500;
}

function codeOf(statusCode: number): string {
  return (STATUS_CODES[statusCode] ?? 'Error').toUpperCase().replace(/[^A-Z0-9]+/g, '_');
}

export const errorHandlerPlugin = fp(errorHandler, { name: '@myshop/errors', fastify: '5.x' });
