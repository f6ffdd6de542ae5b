import { AsyncResource } from 'node:async_hooks';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export interface MetricsPluginOptions {
  service: string;
  /** Defaults to a new registry: never prom-client's global one, so two apps can share a process. */
  registry?: Registry;
  /**
   * Called for a request that ended with no answer sent (timed here as 499), which no onResponse
   * hook or request line sees: @myshop/server writes its request line from here.
   */
  onUnanswered?: (request: FastifyRequest, elapsedMs: number) => void;
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: {
      registry: Registry;
      /**
       * Counts an answer in the request duration histogram. The onResponse hook does it for every
       * request; an answer made outside Fastify's request lifecycle (the router's own errors,
       * which run no hook) calls it itself.
       */
      recordAnswer(request: FastifyRequest, reply: FastifyReply, elapsedMs: number): void;
    };
  }
  interface FastifyRequest {
    /** Its answer is in the request duration histogram (recordAnswer). */
    answerTimed: boolean;
  }
}

const SUMS_NAMED_AS_COUNTERS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/** The status label of a request no answer of which reached its client (nginx's "client closed request"). */
const CLIENT_CLOSED_REQUEST = 499;

/** Seconds; spans a fast cache hit to a slow checkout. */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

async function metrics(app: FastifyInstance, options: MetricsPluginOptions): Promise<void> {
  const registry = options.registry ?? new Registry();
  registry.setDefaultLabels({ service: options.service });
  // Process CPU, memory, GC, handles, and the event-loop lag (nodejs_eventloop_lag_* seconds).
  collectDefaultMetrics({ register: registry });
  // prom-client also sums the active handles, requests and resources into gauges named `_total`,
  // which Prometheus keeps for counters (promtool check metrics refuses them). The per-type
  // gauges stay: `sum(nodejs_active_handles)` is the same number.
  for (const name of SUMS_NAMED_AS_COUNTERS) registry.removeSingleMetric(name);

  const requestDuration = new Histogram({
    name: 'http_server_request_duration_seconds',
    help: 'Duration of HTTP requests served, by method, route template and status code.',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });

  const inFlight = new Gauge({
    name: 'http_server_requests_in_flight',
    help: 'HTTP requests being served right now (received, answer not finished).',
    registers: [registry],
  });

  const observe = (request: FastifyRequest, statusCode: number, elapsedMs: number): void => {
    // The route template (`/cart/items/:productId`), never the raw URL: label values stay bounded.
    const route = request.routeOptions.url ?? 'unmatched';
    requestDuration.observe({ method: request.method, route, status_code: String(statusCode) }, elapsedMs / 1000);
  };
  const recordAnswer = (request: FastifyRequest, reply: FastifyReply, elapsedMs: number): void => {
    request.answerTimed = true;
    observe(request, reply.statusCode, elapsedMs);
  };

  app.decorate('metrics', { registry, recordAnswer });
  // A field of every request from the start (not added later): its shape stays the same.
  app.decorateRequest('answerTimed', false);

  // Hooks every request runs take a callback, not an async function: an async hook costs each
  // request a promise and a turn of the microtask queue (docs/performance.md).
  const { onUnanswered } = options;
  app.addHook('onRequest', (request, reply, done) => {
    inFlight.inc();
    // `close` is emitted from the socket's async context, not the request's: the request's line
    // would lose the trace and span ids its other lines take from there (the active span). Its
    // context is kept here, with a resource destroyed by hand, which costs a request tens of
    // nanoseconds where AsyncResource.bind costs microseconds.
    const scope = onUnanswered && new AsyncResource('myshop.unanswered', { requireManualDestroy: true });
    // `close` comes once per response, finished or cut off by the client: never counted twice or lost.
    reply.raw.once('close', () => {
      inFlight.dec();
      // No answer was finished nor timed: the client went away first (its deadline ran out: cart's
      // call to payment, the ingress' read timeout), or the socket broke before Fastify sent one.
      // Fastify runs no onResponse hook then, so the slowest requests would vanish from the
      // histogram, and with them the p99 that should show them. A finished answer is timed by the
      // onResponse hook, and one that broke while being sent too (Fastify listens for its error).
      if (!reply.raw.writableFinished && !request.answerTimed) {
        const elapsedMs = reply.elapsedTime;
        observe(request, CLIENT_CLOSED_REQUEST, elapsedMs);
        scope?.runInAsyncScope(() => onUnanswered?.(request, elapsedMs));
      }
      scope?.emitDestroy();
    });
    done();
  });

  app.addHook('onResponse', (request, reply, done) => {
    recordAnswer(request, reply, reply.elapsedTime);
    done();
  });
}

export const metricsPlugin = fp(metrics, { name: '@myshop/metrics', fastify: '5.x' });
