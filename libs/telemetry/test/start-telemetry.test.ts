/**
 * The SDK as the preload starts it, in this process, with an in-memory exporter: two Fastify
 * apps (front calls back over undici, back queries PostgreSQL) must give one trace.
 */
import { diag } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { inBackgroundSpan, shutdownTelemetry, telemetryHandle } from '../src/index.ts';
import { startTelemetry } from '../src/start-telemetry.ts';

const exporter = new InMemorySpanExporter();

beforeAll(() => {
  const started = startTelemetry({
    env: { OTEL_TRACES_EXPORTER: 'console', OTEL_SERVICE_NAME: 'probe', OTEL_TRACES_SAMPLER: 'parentbased_always_on' },
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  expect(started.enabled).toBe(true);
});

afterAll(async () => {
  await shutdownTelemetry();
});

async function twoApps() {
  // Imported after the SDK started, as the preload guarantees for the services.
  const { Fastify, Pool, createDatabase, createTestDatabase } = await import('./traced-modules.ts');
  const database = await createTestDatabase();
  // The services' own access to PostgreSQL, which sends a sampled request's statements in its span.
  const db = createDatabase({
    url: database.url,
    poolMax: 2,
    // As in createTestDatabase: pool.end() resolves before its sockets close, and the drop that
    // follows (WITH FORCE) may terminate one (57P01), which the pool re-emits as 'error'.
    onPoolError: () => undefined,
  });

  const back = Fastify();
  back.get('/back/:id', async (request) => {
    const { rows } = await db.query<{ id: number }>('SELECT $1::int AS id', [Number((request.params as { id: string }).id)]);
    return { id: rows[0]!.id, traceparent: request.headers.traceparent ?? null };
  });
  const backUrl = await back.listen({ host: '127.0.0.1', port: 0 });
  const client = new Pool(backUrl);

  const front = Fastify();
  front.get('/front', async () => {
    // No header written by hand: the undici instrumentation carries the context.
    const response = await client.request({ method: 'GET', path: '/back/7' });
    return response.body.json();
  });
  front.get('/livez', async () => ({ ok: true }));
  front.get('/items/:id', async () => ({ ok: true }));
  onTestFinished(async () => {
    await front.close();
    await back.close();
    await client.close();
    await db.close();
    await database.drop();
  });
  return front;
}

describe('startTelemetry', () => {
  it('gives one request through two services and the database a single trace', async () => {
    exporter.reset();
    const front = await twoApps();
    const response = await front.inject({ url: '/front' });
    expect(response.statusCode).toBe(200);
    const body = response.json<{ id: number; traceparent: string | null }>();
    expect(body.id).toBe(7);
    // The W3C header reached the other side.
    expect(body.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);

    const spans = exporter.getFinishedSpans();
    const traceIds = new Set(spans.map((span) => span.spanContext().traceId));
    expect(traceIds.size).toBe(1);
    expect(body.traceparent).toContain([...traceIds][0]);
    const scopes = new Set(spans.map((span) => span.instrumentationScope.name));
    expect(scopes).toEqual(new Set(['@fastify/otel', '@opentelemetry/instrumentation-undici', '@opentelemetry/instrumentation-pg']));
    // A span per request: none per hook or handler, none for taking a pooled connection.
    expect(
      spans
        .map((span) => span.name)
        .filter((name) => /^(onRequest|preParsing|preValidation|preHandler|preSerialization|onSend|onResponse|handler)\b/.test(name)),
    ).toEqual([]);
    expect(spans.filter((span) => /connect/.test(span.name))).toEqual([]);
    const requests = spans.filter((span) => span.attributes['fastify.root']).map((span) => span.name);
    expect(requests.sort()).toEqual(['GET /back/:id', 'GET /front']);
    // The query's span sits in the request that ran it.
    const query = spans.find((span) => span.attributes['db.system.name'] === 'postgresql' || span.attributes['db.system'] === 'postgresql');
    const back = spans.find((span) => span.name === 'GET /back/:id');
    expect(back).toBeDefined();
    expect(query?.parentSpanContext?.spanId).toBe(back!.spanContext().spanId);
    expect(spans[0]!.resource.attributes['service.name']).toBe('probe');
  });

  it('names a request span `{method} {route}`, as the HTTP conventions name a server span', async () => {
    exporter.reset();
    const front = await twoApps();
    expect((await front.inject({ url: '/front' })).statusCode).toBe(200);
    expect((await front.inject({ method: 'POST', url: '/nowhere/4111111111111111' })).statusCode).toBe(404);
    const names = exporter
      .getFinishedSpans()
      .filter((span) => span.instrumentationScope.name === '@fastify/otel' && span.attributes['fastify.root'])
      .map((span) => span.name);
    // No route matched: the method alone, never the path a client chose.
    expect(names.sort()).toEqual(['GET /back/:id', 'GET /front', 'POST']);
  });

  it('records nothing of a request its caller sampled out, and passes that decision on with the trace id', async () => {
    exporter.reset();
    const front = await twoApps();
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const response = await front.inject({ url: '/front', headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-00` } });
    expect(response.statusCode).toBe(200);
    const body = response.json<{ id: number; traceparent: string | null }>();
    // The statement ran (outside the unrecorded span, @myshop/db), and the call carried the decision.
    expect(body.id).toBe(7);
    expect(body.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-00$`));
    expect(exporter.getFinishedSpans()).toEqual([]);
  });

  it('keeps the query string, and whatever a client put in it, out of the spans', async () => {
    exporter.reset();
    const front = await twoApps();
    const response = await front.inject({ url: '/front?password=hunter2&card=4242424242424242' });
    expect(response.statusCode).toBe(200);
    const request = exporter.getFinishedSpans().find((span) => span.name === 'GET /front');
    expect(request?.attributes['url.path']).toBe('/front');
    const written = JSON.stringify(exporter.getFinishedSpans().map((span) => span.attributes));
    expect(written).not.toContain('hunter2');
    expect(written).not.toContain('4242424242424242');
  });

  it('censors a card number or a token that a client put in the path, as the request line does', async () => {
    exporter.reset();
    const front = await twoApps();
    const token = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJhZGEifQ.c2lnbmF0dXJlLW9mLWFkYQ';
    expect((await front.inject({ url: '/items/4111111111111111?x=1' })).statusCode).toBe(200);
    expect((await front.inject({ url: `/user/${token}/me` })).statusCode).toBe(404);
    const paths = exporter.getFinishedSpans().map((span) => span.attributes['url.path']);
    expect(paths).toContain('/items/[redacted]');
    expect(paths).toContain('/user/[redacted]/me');
    const written = JSON.stringify(exporter.getFinishedSpans().map((span) => [span.name, span.attributes]));
    expect(written).not.toContain('4111111111111111');
    expect(written).not.toContain(token);
  });

  it('gives background work a root trace of its own, which its calls to other services join', async () => {
    exporter.reset();
    const { Fastify, Pool } = await import('./traced-modules.ts');
    const other = Fastify();
    other.get('/feed', async (request) => ({ traceparent: request.headers.traceparent ?? null }));
    const client = new Pool(await other.listen({ host: '127.0.0.1', port: 0 }));
    onTestFinished(async () => {
      await client.close();
      await other.close();
    });

    const answer = await inBackgroundSpan('read the feed', async () =>
      (await client.request({ method: 'GET', path: '/feed' })).body.json(),
    );
    await expect(inBackgroundSpan('fail', () => Promise.reject(new Error('feed down')))).rejects.toThrow('feed down');

    const spans = exporter.getFinishedSpans();
    const job = spans.find((span) => span.name === 'read the feed');
    expect(job?.parentSpanContext).toBeUndefined();
    const traceId = job!.spanContext().traceId;
    // The other service's request is in the job's trace, under the call's client span.
    expect((answer as { traceparent: string }).traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    const served = spans.find((span) => span.name === 'GET /feed');
    expect(served?.spanContext().traceId).toBe(traceId);
    const failed = spans.find((span) => span.name === 'fail');
    expect(failed?.status).toMatchObject({ code: 2, message: 'feed down' });
    expect(failed?.spanContext().traceId).not.toBe(traceId);
  });

  it('leaves the probes untraced', async () => {
    exporter.reset();
    const front = await twoApps();
    expect((await front.inject({ url: '/livez' })).statusCode).toBe(200);
    expect(exporter.getFinishedSpans()).toEqual([]);
  });

  it('keeps the handle that the graceful shutdown flushes', () => {
    expect(telemetryHandle()?.serviceName).toBe('probe');
  });

  it("hands the SDK's errors to the service's logger through the handle", () => {
    const reasons: string[] = [];
    telemetryHandle()?.reportProblemsTo(({ reason }) => reasons.push(reason));
    onTestFinished(() => diag.disable());
    diag.error('export failed');
    expect(reasons).toEqual(['export failed']);
  });
});
