import cors from '@fastify/cors';
import underPressure, { TYPE_EVENT_LOOP_DELAY } from '@fastify/under-pressure';
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

export const OverloadedError = defineError('SERVICE_OVERLOADED', 'The service is overloaded, try again shortly', 503, {
  selfProtection: true,
});

/** Answered by a replica that is closing (its close() has begun). */
export const ShuttingDownError = defineError('SERVICE_SHUTTING_DOWN', 'This instance is shutting down, try again', 503, {
  selfProtection: true,
});

/** Seconds a client should wait before retrying an overloaded instance. */
const OVERLOAD_RETRY_AFTER_SECONDS = 2;
/** How often the event-loop delay is measured: each reading is the mean delay since the last. */
const PRESSURE_SAMPLE_INTERVAL_MS = 1000;

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
  // (the JWKS is public and cacheable). Like every hook each request runs, a callback: an async
  // hook costs each request a promise and a turn of the microtask queue (docs/performance.md).
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    done(null, payload);
  });
  // Closed (no origin configured), CORS adds nothing to an answer: no hook runs for it, and a
  // preflight is a 404 like any other request no route takes.
  // Open, it allows the methods the API has (the plugin's default leaves out PUT and DELETE) and
  // lets a page's script read the headers a client acts on. An OPTIONS request without Origin or
  // Access-Control-Request-Method is answered like a preflight from an origin not allowed (204,
  // no Allow-Origin): the plugin's strict mode would answer it 400 in plain text, outside the
  // API's error shape, and a browser never sends such a preflight anyway.
  if (options.corsOrigins.length > 0) {
    await app.register(cors, {
      origin: options.corsOrigins,
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'],
      exposedHeaders: ['retry-after', 'x-request-id', 'idempotent-replayed', 'etag', 'www-authenticate'],
      strictPreflight: false,
    });
  }
  // A request that still reaches a closing replica gets the API's error shape and headers, and
  // its connection closed (Fastify's own 503 for this, turned off in create-fastify.ts, has neither).
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', (_request, reply, done) => {
    if (!closing) return done();
    reply.header('connection', 'close');
    done(withRetryAfter(new ShuttingDownError(), 1));
  });
  // The delay in force when the service starts serving was measured while it was starting: loading
  // its modules and compiling its schemas hold the loop, on a busy node or under a CPU limit for a
  // second or more (and a loop held through a whole reading reads as infinitely late). Shedding
  // then would refuse a new replica's first requests, in a rollout, for work it did before it
  // served them; so the delay counts once a whole reading was taken while serving (the one in
  // force one interval after the start may still cover part of it: two intervals).
  let servingSince = Number.POSITIVE_INFINITY;
  app.addHook('onReady', async () => {
    servingSince = performance.now();
  });
  const overloaded = () => Promise.reject(withRetryAfter(new OverloadedError(), OVERLOAD_RETRY_AFTER_SECONDS));
  await app.register(underPressure, {
    maxEventLoopDelay: options.maxEventLoopDelayMs,
    maxHeapUsedBytes: options.maxHeapUsedBytes,
    sampleInterval: PRESSURE_SAMPLE_INTERVAL_MS,
    // Shed like every other refusal that may be retried: an error carrying its Retry-After.
    pressureHandler: (_request, _reply, type) => {
      if (type !== TYPE_EVENT_LOOP_DELAY || performance.now() - servingSince > 2 * PRESSURE_SAMPLE_INTERVAL_MS) return overloaded();
      // under-pressure checks the heap only when the delay is within its limit: checked here instead.
      return options.maxHeapUsedBytes > 0 && app.memoryUsage().heapUsed > options.maxHeapUsedBytes ? overloaded() : undefined;
    },
  });
}

export const protectionPlugin = fp(protection, { name: '@myshop/protection', fastify: '5.x' });
