import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { context, propagation, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import Fastify, { type FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { Type } from 'typebox';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createHttpClient, type CallOptions, type HttpClient } from '../src/index.ts';

interface Seen {
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  url: string;
  socket: Socket;
}

/** A small real server that behaves like the services our clients call, in every way they can fail. */
async function startPeer(): Promise<{ app: FastifyInstance; url: string; seen: Seen[]; connections: () => number }> {
  const app = Fastify({ logger: false, forceCloseConnections: true });
  const seen: Seen[] = [];
  let connections = 0;
  app.server.on('connection', () => {
    connections += 1;
  });
  app.addHook('onRequest', async (request) => {
    seen.push({ headers: request.headers, body: undefined, url: request.url, socket: request.raw.socket });
  });
  app.addHook('preHandler', async (request) => {
    seen[seen.length - 1]!.body = request.body;
  });

  app.get('/json', async () => ({ hello: 'world' }));
  app.post('/echo', async (request, reply) => reply.code(201).send({ received: request.body }));
  app.get('/no-content', async (_request, reply) => reply.code(204).send());
  app.get('/slow-headers', async () => {
    await sleep(1500);
    return { late: true };
  });
  app.get('/slow-body', (_request, reply) => {
    // Headers at once, then the body trickles: only a deadline on the whole exchange catches it.
    reply.hijack();
    reply.raw.writeHead(200, { 'content-type': 'application/json' });
    reply.raw.write('{"a":');
    const timer = setTimeout(() => reply.raw.end('1}'), 2500);
    reply.raw.on('close', () => clearTimeout(timer));
  });
  app.get('/declined', async (_request, reply) =>
    reply.code(402).send({ statusCode: 402, code: 'card_declined', error: 'Payment Required', message: 'Your card was declined.' }),
  );
  app.get('/plain-404', async (_request, reply) => reply.code(404).type('text/plain').send('nothing here'));
  app.get('/unavailable', async (_request, reply) =>
    reply.code(503).send({ statusCode: 503, code: 'SERVICE_UNAVAILABLE', error: 'Service Unavailable', message: 'down' }),
  );
  app.get('/crash', async (_request, reply) => reply.code(500).type('text/html').send('<h1>oops</h1>'));
  app.get('/redirect', async (_request, reply) => reply.redirect('/json', 302));
  app.get('/not-json', async (_request, reply) => reply.type('text/plain').send('hello'));
  app.get('/charge', async () => ({ id: 'ch_1', amount: 1200 }));
  app.get('/big', async (_request, reply) => reply.type('application/json').send(JSON.stringify({ data: 'x'.repeat(4096) })));
  app.get('/prefixed/inner', async (request) => ({ url: request.url }));
  // Broken on the way: the socket cut with no answer, or a proxy's 502, for the first `fails` tries of a key.
  const tries = new Map<string, number>();
  app.post('/broken', async (request, reply) => {
    const { key, fails, how } = request.query as { key: string; fails: string; how: 'cut' | '502' | '503' };
    const attempt = (tries.get(key) ?? 0) + 1;
    tries.set(key, attempt);
    if (attempt > Number(fails)) return reply.code(201).send({ attempt });
    if (how === 'cut') return request.raw.socket.destroy();
    return reply.code(Number(how)).send({ statusCode: Number(how), code: 'BAD_GATEWAY', error: 'Bad Gateway', message: 'no upstream' });
  });
  app.get('/tries', async (request) => ({ tries: tries.get((request.query as { key: string }).key) ?? 0 }));

  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return { app, url: `http://127.0.0.1:${port}`, seen, connections: () => connections };
}

let peer: Awaited<ReturnType<typeof startPeer>>;

beforeAll(async () => {
  peer = await startPeer();
});
afterAll(async () => {
  await peer.app.close();
});

function client(options: Partial<Parameters<typeof createHttpClient>[0]> = {}): HttpClient {
  // A deadline no healthy call on a busy CI machine comes near; the timeout tests set their own.
  const created = createHttpClient({ baseUrl: peer.url, timeoutMs: 2000, userAgent: 'myshop-test', ...options });
  onTestFinished(() => created.close());
  return created;
}

const incoming = { id: 'req-123', headers: { authorization: 'Bearer a.b.c', cookie: 'secret=1' } };

describe('createHttpClient', () => {
  it('sends and parses JSON and returns 2xx as ok', async () => {
    const outcome = await client().request({ method: 'POST', path: '/echo', body: { amount: 1200, nested: { a: [1, 2] } } });
    expect(outcome).toMatchObject({ kind: 'ok', status: 201, body: { received: { amount: 1200, nested: { a: [1, 2] } } } });
    const request = peer.seen.at(-1)!;
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers.accept).toBe('application/json');
    expect(request.headers['user-agent']).toBe('myshop-test');
  });

  it('returns an empty 2xx answer with an undefined body', async () => {
    const outcome = await client().request({ method: 'GET', path: '/no-content' });
    expect(outcome).toMatchObject({ kind: 'ok', status: 204, body: undefined });
  });

  it('adds the query string, skipping undefined values', async () => {
    const outcome = await client().request({ method: 'GET', path: '/json', query: { limit: 5, cursor: undefined, flag: true } });
    expect(outcome.kind).toBe('ok');
    expect(peer.seen.at(-1)!.url).toBe('/json?limit=5&flag=true');
  });

  it('keeps the base URL path as a prefix', async () => {
    const outcome = await client({ baseUrl: `${peer.url}/prefixed/` }).request({ method: 'GET', path: '/inner' });
    expect(outcome).toMatchObject({ kind: 'ok', body: { url: '/prefixed/inner' } });
  });

  it('keeps connections alive between calls', async () => {
    const http = client({ connections: 1 });
    const before = peer.connections();
    for (let index = 0; index < 5; index += 1) expect((await http.request({ method: 'GET', path: '/json' })).kind).toBe('ok');
    expect(peer.connections() - before).toBe(1);
    expect(new Set(peer.seen.slice(-5).map((request) => request.socket)).size).toBe(1);
  });

  it('returns a 4xx with its parsed body, code and message so the caller can act on them', async () => {
    const outcome = await client().request({ method: 'GET', path: '/declined' });
    expect(outcome).toEqual({
      kind: 'rejected',
      status: 402,
      headers: expect.any(Object),
      body: { statusCode: 402, code: 'card_declined', error: 'Payment Required', message: 'Your card was declined.' },
      code: 'card_declined',
      message: 'Your card was declined.',
    });
  });

  it('returns a 4xx that is not JSON with an undefined body', async () => {
    const outcome = await client().request({ method: 'GET', path: '/plain-404' });
    expect(outcome).toEqual({ kind: 'rejected', status: 404, headers: expect.any(Object), body: undefined });
  });

  it('maps a 5xx to unavailable, keeping its status and code', async () => {
    expect(await client().request({ method: 'GET', path: '/unavailable' })).toEqual({
      kind: 'unavailable',
      reason: 'server-error',
      status: 503,
      code: 'SERVICE_UNAVAILABLE',
      detail: 'answered 503 SERVICE_UNAVAILABLE',
    });
    expect(await client().request({ method: 'GET', path: '/crash' })).toMatchObject({
      kind: 'unavailable',
      reason: 'server-error',
      status: 500,
    });
  });

  it('maps an unexpected 3xx to unavailable instead of following it', async () => {
    expect(await client().request({ method: 'GET', path: '/redirect' })).toMatchObject({
      kind: 'unavailable',
      reason: 'bad-response',
      status: 302,
    });
  });

  it('maps a connection refused to unavailable', async () => {
    const closed = Fastify();
    await closed.listen({ host: '127.0.0.1', port: 0 });
    const { port } = closed.server.address() as AddressInfo;
    await closed.close();
    const outcome = await client({ baseUrl: `http://127.0.0.1:${port}` }).request({ method: 'POST', path: '/charges', body: {} });
    expect(outcome).toMatchObject({ kind: 'unavailable', reason: 'connection', code: 'ECONNREFUSED' });
  });

  describe('a repeatable call', () => {
    const tries = async (key: string) => ((await (await fetch(`${peer.url}/tries?key=${key}`)).json()) as { tries: number }).tries;
    const call = (key: string, fails: number, how: string, repeatable?: boolean): CallOptions => ({
      method: 'POST',
      path: '/broken',
      query: { key, fails, how },
      body: {},
      ...(repeatable === undefined ? {} : { repeatable }),
    });

    it('is sent once more when the first try broke on the way: the connection cut, or a 502', async () => {
      expect(await client().request(call('cut-once', 1, 'cut', true))).toMatchObject({ kind: 'ok', status: 201, body: { attempt: 2 } });
      expect(await client().request(call('502-once', 1, '502', true))).toMatchObject({ kind: 'ok', status: 201, body: { attempt: 2 } });
    });

    it('is sent twice at most, and a 503 (the peer itself refusing for now) is not repeated', async () => {
      expect(await client().request(call('cut-always', 9, 'cut', true))).toMatchObject({ kind: 'unavailable', reason: 'connection' });
      expect(await tries('cut-always')).toBe(2);
      expect(await client().request(call('503-once', 1, '503', true))).toMatchObject({ kind: 'unavailable', status: 503 });
      expect(await tries('503-once')).toBe(1);
    });

    it("is the caller's word: a call not said to be repeatable is sent once", async () => {
      expect(await client().request(call('cut-unsaid', 1, 'cut'))).toMatchObject({ kind: 'unavailable', reason: 'connection' });
      expect(await tries('cut-unsaid')).toBe(1);
    });
  });

  it('maps a name that does not resolve to unavailable', async () => {
    const outcome = await client({ baseUrl: 'http://payment-service.invalid', timeoutMs: 2000 }).request({ method: 'GET', path: '/json' });
    expect(outcome).toMatchObject({ kind: 'unavailable', reason: 'connection' });
  });

  it('gives up when the headers do not come within the deadline', async () => {
    const started = Date.now();
    const outcome = await client({ timeoutMs: 100 }).request({ method: 'GET', path: '/slow-headers' });
    expect(outcome).toMatchObject({ kind: 'unavailable', reason: 'timeout' });
    // Well before the answer would have come (1.5 s), with room for a busy machine.
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('gives up when the body does not finish within the deadline, even though data keeps flowing', async () => {
    const started = Date.now();
    const outcome = await client({ timeoutMs: 200 }).request({ method: 'GET', path: '/slow-body' });
    expect(outcome).toMatchObject({ kind: 'unavailable', reason: 'timeout' });
    // Well before the body would have ended (2.5 s).
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('lets one call have a longer deadline than the client default', async () => {
    const outcome = await client({ timeoutMs: 100 }).request({ method: 'GET', path: '/slow-headers', timeoutMs: 5000 });
    expect(outcome).toMatchObject({ kind: 'ok', body: { late: true } });
  });

  it('treats a 2xx body that is not JSON, or not of the expected shape, as unavailable', async () => {
    expect(await client().request({ method: 'GET', path: '/not-json' })).toMatchObject({
      kind: 'unavailable',
      reason: 'bad-response',
      status: 200,
    });
    const Charge = Type.Object({ id: Type.String(), amount: Type.Integer(), currency: Type.String() });
    expect(await client().request({ method: 'GET', path: '/charge', schema: Charge })).toMatchObject({
      kind: 'unavailable',
      reason: 'bad-response',
    });
    const Lenient = Type.Object({ id: Type.String(), amount: Type.Integer() });
    const outcome = await client().request({ method: 'GET', path: '/charge', schema: Lenient });
    expect(outcome).toMatchObject({ kind: 'ok', body: { id: 'ch_1', amount: 1200 } });
  });

  it('refuses an answer larger than the limit', async () => {
    const outcome = await client({ maxResponseBytes: 1024 }).request({ method: 'GET', path: '/big' });
    expect(outcome).toMatchObject({ kind: 'unavailable', reason: 'bad-response' });
  });

  it('forwards the incoming request id, and the Authorization only when asked', async () => {
    await client().request({ method: 'GET', path: '/json', incoming });
    const plain = peer.seen.at(-1)!.headers;
    expect(plain['x-request-id']).toBe('req-123');
    expect(plain.authorization).toBeUndefined();
    expect(plain.cookie).toBeUndefined();

    await client().request({ method: 'GET', path: '/json', incoming, forwardAuthorization: true });
    const forwarded = peer.seen.at(-1)!.headers;
    expect(forwarded['x-request-id']).toBe('req-123');
    expect(forwarded.authorization).toBe('Bearer a.b.c');
    expect(forwarded.cookie).toBeUndefined();
  });

  it('sends extra headers as given', async () => {
    await client().request({ method: 'POST', path: '/echo', body: {}, headers: { 'Idempotency-Key': 'k-1' } });
    expect(peer.seen.at(-1)!.headers['idempotency-key']).toBe('k-1');
  });

  it('rejects a base URL that is not http(s)', () => {
    expect(() => createHttpClient({ baseUrl: 'ftp://payment-service', timeoutMs: 100 })).toThrow(/http\(s\)/);
  });

  it('throws on a programming error instead of calling it an outage', async () => {
    const bad: CallOptions = { method: 'GET', path: '/json', headers: { 'x-bad': 'line\nbreak' } };
    await expect(client().request(bad)).rejects.toThrow();
  });
});

describe('trace context', () => {
  const contextManager = new AsyncLocalStorageContextManager();
  // What @myshop/telemetry's preload runs: the undici instrumentation writes the trace context.
  const instrumentation = new UndiciInstrumentation({ requireParentforSpans: true });

  beforeAll(() => {
    contextManager.enable();
    context.setGlobalContextManager(contextManager);
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    instrumentation.enable();
  });
  afterAll(() => {
    instrumentation.disable();
    propagation.disable();
    context.disable();
  });

  it('propagates the active span as exactly one W3C traceparent', async () => {
    const spanContext = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED };
    const active = trace.setSpanContext(context.active(), spanContext);
    await context.with(active, () => client().request({ method: 'GET', path: '/json', incoming }));
    // No SDK here, so the client span is the active span's context carried on: the same ids.
    expect(peer.seen.at(-1)!.headers.traceparent).toBe('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
  });

  it('sends no traceparent outside a span', async () => {
    await client().request({ method: 'GET', path: '/json' });
    expect(peer.seen.at(-1)!.headers.traceparent).toBeUndefined();
  });
});

describe('call metrics', () => {
  it('times each call in the app registry by target, method and outcome', async () => {
    const registry = new Registry();
    const timed = createHttpClient({ baseUrl: peer.url, timeoutMs: 1000, metricsRegistry: registry, target: 'peer' });
    const other = createHttpClient({ baseUrl: peer.url, timeoutMs: 1000, metricsRegistry: registry });
    onTestFinished(async () => {
      await timed.close();
      await other.close();
    });
    expect((await timed.request({ method: 'GET', path: '/json' })).kind).toBe('ok');
    expect((await timed.request({ method: 'POST', path: '/echo', body: { a: 1 } })).kind).toBe('ok');
    expect((await timed.request({ method: 'GET', path: '/declined' })).kind).toBe('rejected');
    expect((await timed.request({ method: 'GET', path: '/slow-headers' })).kind).toBe('unavailable');
    expect((await other.request({ method: 'GET', path: '/json' })).kind).toBe('ok');
    await expect(timed.request({ method: 'GET', path: '/json', headers: { 'x-bad': 'line\nbreak' } })).rejects.toThrow();
    const text = await registry.getSingleMetricAsString('http_client_request_duration_seconds');
    expect(text).toContain('http_client_request_duration_seconds_count{target="peer",method="GET",outcome="ok"} 1');
    expect(text).toContain('http_client_request_duration_seconds_count{target="peer",method="POST",outcome="ok"} 1');
    expect(text).toContain('http_client_request_duration_seconds_count{target="peer",method="GET",outcome="rejected"} 1');
    expect(text).toContain('http_client_request_duration_seconds_count{target="peer",method="GET",outcome="timeout"} 1');
    expect(text).toContain('http_client_request_duration_seconds_count{target="peer",method="GET",outcome="error"} 1');
    expect(text).toContain(`http_client_request_duration_seconds_count{target="${new URL(peer.url).host}",method="GET",outcome="ok"} 1`);
  });

  it('measures nothing without a registry', async () => {
    const registry = new Registry();
    expect((await client().request({ method: 'GET', path: '/json' })).kind).toBe('ok');
    expect(await registry.getMetricsAsJSON()).toEqual([]);
  });
});
