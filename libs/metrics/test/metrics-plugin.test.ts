import { AsyncLocalStorage } from 'node:async_hooks';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { ANSWER_AFTER_HANG_UP_MS, hangUpBeforeAnswer } from '@myshop/testing';
import { Registry } from 'prom-client';
import { describe, expect, it, onTestFinished } from 'vitest';
import { metricsPlugin, startMetricsServer } from '../src/index.ts';

async function buildApp(service = 'test') {
  const app = Fastify({ logger: false });
  onTestFinished(() => app.close());
  await app.register(metricsPlugin, { service });
  app.get('/items/:id', async () => ({ ok: true }));
  app.get('/fail', async (_request, reply) => reply.code(503).send({ ok: false }));
  await app.ready();
  return app;
}

describe('metricsPlugin', () => {
  it('times requests by method, route template and status code', async () => {
    const app = await buildApp();
    await app.inject({ url: '/items/1' });
    await app.inject({ url: '/items/2' });
    await app.inject({ url: '/fail' });
    await app.inject({ url: '/missing/route' });
    const text = await app.metrics.registry.metrics();
    expect(text).toContain(
      'http_server_request_duration_seconds_count{service="test",method="GET",route="/items/:id",status_code="200"} 2',
    );
    expect(text).toContain('http_server_request_duration_seconds_count{service="test",method="GET",route="/fail",status_code="503"} 1');
    // An unknown URL must not become a label value of its own.
    expect(text).not.toContain('/missing/route');
  });

  it('counts the requests in flight, back to zero once each is answered', async () => {
    const app = Fastify({ logger: false });
    onTestFinished(() => app.close());
    await app.register(metricsPlugin, { service: 'test' });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let seenInside = '';
    app.get('/slow', async () => {
      await gate;
      return { ok: true };
    });
    app.get('/probe', async () => {
      seenInside = await app.metrics.registry.getSingleMetricAsString('http_server_requests_in_flight');
      return { ok: true };
    });
    await app.ready();
    const slow = [app.inject({ url: '/slow' }), app.inject({ url: '/slow' })];
    await new Promise((resolve) => setTimeout(resolve, 20));
    await app.inject({ url: '/probe' });
    // Two waiting plus the probe itself.
    expect(seenInside).toContain('http_server_requests_in_flight{service="test"} 3');
    release();
    await Promise.all(slow);
    expect(await app.metrics.registry.getSingleMetricAsString('http_server_requests_in_flight')).toContain(
      'http_server_requests_in_flight{service="test"} 0',
    );
  });

  it('times a request whose client gave up before the answer, as 499, instead of losing it', async () => {
    const app = Fastify({ logger: false });
    onTestFinished(() => app.close());
    const unanswered: Array<[string | undefined, number]> = [];
    await app.register(metricsPlugin, {
      service: 'test',
      onUnanswered: (request, elapsedMs) => unanswered.push([request.routeOptions.url, elapsedMs]),
    });
    // A caller's deadline (cart's PAYMENT_TIMEOUT_MS, the ingress' read timeout) ran out first; the
    // handler finishes later and its answer goes nowhere: counted once, not again.
    await hangUpBeforeAnswer(app, '/slow');
    const text = await app.metrics.registry.metrics();
    expect(text).toContain('http_server_request_duration_seconds_count{service="test",method="POST",route="/slow",status_code="499"} 1');
    // Timed until the client went away, not until the handler finished, which answers a second
    // (ANSWER_AFTER_HANG_UP_MS) after it: within the 1 s bucket, however slow the machine.
    expect(text).toContain(
      'http_server_request_duration_seconds_bucket{le="1",service="test",method="POST",route="/slow",status_code="499"} 1',
    );
    expect(text).toContain('http_server_requests_in_flight{service="test"} 0');
    // Told once, for the request's line (@myshop/server), with the time until the client went away.
    expect(unanswered).toEqual([['/slow', expect.any(Number)]]);
    expect(unanswered[0]![1]).toBeLessThan(ANSWER_AFTER_HANG_UP_MS);
  });

  it('tells of an unanswered request in the async context of that request, where its trace ids are', async () => {
    // What @fastify/otel does for a traced request: its span's context is entered before the
    // other hooks run, and the request's line takes its ids from there (@myshop/logging).
    const trace = new AsyncLocalStorage<string>();
    const app = Fastify({ logger: false });
    onTestFinished(() => app.close());
    app.addHook('onRequest', (request, _reply, done) => {
      trace.enterWith(`trace of ${request.id}`);
      done();
    });
    const seen: Array<string | undefined> = [];
    await app.register(metricsPlugin, { service: 'test', onUnanswered: () => seen.push(trace.getStore()) });
    await hangUpBeforeAnswer(app, '/slow');
    expect(seen).toEqual([expect.stringMatching(/^trace of /)]);
  });

  it('times a request whose socket broke before its answer was sent, as 499, instead of losing it', async () => {
    const app = Fastify({ logger: false });
    onTestFinished(() => app.close());
    await app.register(metricsPlugin, { service: 'test' });
    app.get('/broken', (_request, reply) => {
      // The socket broke before the answer was sent: Fastify runs no onResponse hook for it.
      reply.raw.destroy(new Error('the socket broke'));
      return reply;
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as AddressInfo;
    await expect(fetch(`http://127.0.0.1:${port}/broken`)).rejects.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const counts = (await app.metrics.registry.metrics())
      .split('\n')
      .filter((line) => line.startsWith('http_server_request_duration_seconds_count'));
    expect(counts).toEqual(['http_server_request_duration_seconds_count{service="test",method="GET",route="/broken",status_code="499"} 1']);
  });

  it('exposes the default process metrics', async () => {
    const app = await buildApp();
    const text = await app.metrics.registry.metrics();
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
  });

  it('gives every app its own registry, never the global one', async () => {
    const first = await buildApp('first');
    const second = await buildApp('second');
    await first.inject({ url: '/items/1' });
    expect(first.metrics.registry).not.toBe(second.metrics.registry);
    expect(await second.metrics.registry.getSingleMetricAsString('http_server_request_duration_seconds')).not.toContain(
      'route="/items/:id"',
    );
  });
});

describe('startMetricsServer', () => {
  it('serves GET /metrics on its own port and nothing else', async () => {
    const registry = new Registry();
    registry.setDefaultLabels({ service: 'probe' });
    const server = await startMetricsServer(registry, '127.0.0.1', 0);
    onTestFinished(() => server.close());
    const metrics = await fetch(`http://127.0.0.1:${server.port}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    const other = await fetch(`http://127.0.0.1:${server.port}/user/me`);
    expect(other.status).toBe(404);
    expect(other.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await other.json()).toMatchObject({ statusCode: 404, code: 'NOT_FOUND' });
    for (const answer of [metrics, other]) {
      expect(answer.headers.get('cache-control')).toBe('no-store');
      expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it('answers HEAD /metrics with the headers of GET and no body', async () => {
    const server = await startMetricsServer(new Registry(), '127.0.0.1', 0);
    onTestFinished(() => server.close());
    const head = await fetch(`http://127.0.0.1:${server.port}/metrics`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toContain('text/plain');
    expect(await head.text()).toBe('');
  });
});
