/**
 * The context a statement is sent in, where pg's instrumentation decides whether it gets a span:
 * a context manager and tracers set up as the OpenTelemetry SDK sets them up, one recording
 * every span (a sampled request) and one recording none (a request its sampler left out).
 */
import { context, trace, type Span } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { AlwaysOffSampler, AlwaysOnSampler, TracerProvider } from '@opentelemetry/sdk-trace';
import { createTestDatabase } from '@myshop/testing';
import pg from 'pg';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { createDatabase } from '../src/index.ts';

const sampled = new TracerProvider({ sampler: new AlwaysOnSampler() }).getTracer('test');
const sampledOut = new TracerProvider({ sampler: new AlwaysOffSampler() }).getTracer('test');

/** The active span whenever pg's Client sends a statement: where its instrumentation looks. */
function spanAtEachStatement(): Array<Span | undefined> {
  const seen: Array<Span | undefined> = [];
  const send = pg.Client.prototype.query;
  const spy = vi.spyOn(pg.Client.prototype, 'query').mockImplementation(function (this: pg.Client, ...args: unknown[]) {
    seen.push(trace.getActiveSpan());
    return (send as (...sent: unknown[]) => unknown).apply(this, args);
  } as typeof send);
  onTestFinished(() => spy.mockRestore());
  return seen;
}

async function database(timed: boolean) {
  const testDatabase = await createTestDatabase();
  onTestFinished(() => testDatabase.drop());
  const db = createDatabase({ url: testDatabase.url, poolMax: 2, ...(timed && { metricsRegistry: new Registry() }) });
  onTestFinished(() => db.close());
  return db;
}

/** `work` inside a request span that `tracer` starts; the span is ended after. */
async function inRequest<T>(tracer: typeof sampled, work: (request: Span) => Promise<T>): Promise<T> {
  const request = tracer.startSpan('request');
  try {
    return await context.with(trace.setSpan(context.active(), request), () => work(request));
  } finally {
    request.end();
  }
}

describe('statements under tracing', () => {
  const manager = new AsyncLocalStorageContextManager();
  beforeAll(() => {
    manager.enable();
    context.setGlobalContextManager(manager);
  });
  afterAll(() => context.disable());

  describe.each([
    ['with the statement metrics', true],
    ['without them', false],
  ])('%s', (_name, timed) => {
    it('sends the statements of a sampled-out request outside its span, and the request carries on in it', async () => {
      const db = await database(timed);
      const seen = spanAtEachStatement();
      const after = await inRequest(sampledOut, async (request) => {
        expect(request.isRecording()).toBe(false);
        const { rows } = await db.query<{ answer: number }>('SELECT $1::int AS answer', [42]);
        expect(rows).toEqual([{ answer: 42 }]);
        return { active: trace.getActiveSpan(), request };
      });
      expect(seen).toEqual([undefined]);
      // What follows the statement (the handler, its log lines) is still in the request's span.
      expect(after.active).toBe(after.request);
    });

    it('sends the statements of a sampled request in its span, where they get spans of their own', async () => {
      const db = await database(timed);
      const seen = spanAtEachStatement();
      const request = await inRequest(sampled, async (span) => {
        expect(span.isRecording()).toBe(true);
        await db.query('SELECT 1');
        return span;
      });
      expect(seen).toEqual([request]);
    });

    it('does the same for every statement of a transaction', async () => {
      const db = await database(timed);
      const seen = spanAtEachStatement();
      await inRequest(sampledOut, () => db.transaction(async (client) => client.query('SELECT 1')));
      expect(seen).toEqual([undefined, undefined, undefined]);
      seen.length = 0;
      const request = await inRequest(sampled, async (span) => {
        await db.transaction(async (client) => client.query('SELECT 1'));
        return span;
      });
      expect(seen).toEqual([request, request, request]);
    });
  });

  it('sends statements outside any request as they are', async () => {
    const db = await database(false);
    const seen = spanAtEachStatement();
    await db.query('SELECT 1');
    expect(seen).toEqual([undefined]);
  });
});
