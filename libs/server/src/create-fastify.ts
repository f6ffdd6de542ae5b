import { formatSchemaErrors } from '@myshop/errors';
import { requestIdFor } from '@myshop/logging';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type RawServerDefault, type RawRequestDefaultExpression, type RawReplyDefaultExpression } from 'fastify';
import type { Logger } from 'pino';
import { validatorCompiler } from './validator-compiler.ts';

export type ServiceFastifyInstance = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export interface FastifySettings {
  logger: Logger;
  bodyLimitBytes: number;
  requestTimeoutMs: number;
}

/** The Fastify instance every service is built on: same logging, limits and validation. */
export function createFastify({ logger, bodyLimitBytes, requestTimeoutMs }: FastifySettings): ServiceFastifyInstance {
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    genReqId: requestIdFor,
    bodyLimit: bodyLimitBytes,
    // Time allowed to receive a whole request: slow-loris clients are cut off.
    requestTimeout: requestTimeoutMs,
    // Longer than the ingress' upstream keep-alive, so it never reuses a socket we just closed.
    keepAliveTimeout: 65_000,
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    schemaErrorFormatter: formatSchemaErrors,
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  return app;
}
