import cors from '@fastify/cors';
import underPressure from '@fastify/under-pressure';
import { defineError, withRetryAfter } from '@myshop/errors';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { API_SECURITY_HEADERS } from './security-headers.ts';

export interface ProtectionOptions {
  /** Browser origins allowed to call us; none by default (the API serves apps, not web pages). */
  corsOrigins: string[];
  maxEventLoopDelayMs: number;
  maxHeapUsedBytes: number;
}

export const OverloadedError = defineError('SERVICE_OVERLOADED', 'The service is overloaded, try again shortly', 503);

/** Answered by a replica that is closing (its close() has begun). */
export const ShuttingDownError = defineError('SERVICE_SHUTTING_DOWN', 'This instance is shutting down, try again', 503);

/** Seconds a client should wait before retrying an overloaded instance. */
const OVERLOAD_RETRY_AFTER_SECONDS = 2;

/**
 * Headers fit for a JSON API (no caching, no framing, no sniffing), CORS closed unless origins are configured, and load shedding:
 * when the event loop lags (or the heap grows) past the limits, requests get 503 + Retry-After
 * instead of queueing until everything times out. /livez is exempt so that an overloaded but
 * healthy process is not restarted.
 */
async function protection(app: FastifyInstance, options: ProtectionOptions): Promise<void> {
  // helmet's headers, the same object for every answer (security-headers.ts); a route may still
  // replace one (Swagger UI its page policy).
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(API_SECURITY_HEADERS);
    done();
  });
  // Answers hold accounts, carts and charges: no cache keeps them, unless a route says otherwise
  // (the JWKS is public and cacheable).
  app.addHook('onSend', async (_request, reply) => {
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
  });
  // Closed (no origin configured), CORS adds nothing to an answer: no hook runs for it, and a
  // preflight is a 404 like any other request no route takes.
  // Open, it allows the methods the API has (the plugin's default leaves out PUT and DELETE) and
  // lets a page's script read the headers a client acts on.
  if (options.corsOrigins.length > 0) {
    await app.register(cors, {
      origin: options.corsOrigins,
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'],
      exposedHeaders: ['retry-after', 'x-request-id', 'idempotent-replayed', 'etag', 'www-authenticate'],
    });
  }
  // A request that still reaches a closing replica gets the API's error shape and headers, and
  // its connection closed (Fastify's own 503 for this, turned off in create-fastify.ts, has neither).
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async (_request, reply) => {
    if (!closing) return;
    reply.header('connection', 'close');
    throw withRetryAfter(new ShuttingDownError(), 1);
  });
  await app.register(underPressure, {
    maxEventLoopDelay: options.maxEventLoopDelayMs,
    maxHeapUsedBytes: options.maxHeapUsedBytes,
    // Shed like every other refusal that may be retried: an error carrying its Retry-After.
    pressureHandler: () => Promise.reject(withRetryAfter(new OverloadedError(), OVERLOAD_RETRY_AFTER_SECONDS)),
  });
}

export const protectionPlugin = fp(protection, { name: '@myshop/protection', fastify: '5.x' });
