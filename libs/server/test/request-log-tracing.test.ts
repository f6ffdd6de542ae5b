/**
 * With tracing on, the request line carries the trace and span ids of its request: from a line
 * to its trace and back. A file of its own: the OpenTelemetry SDK is process-wide. The imports
 * run in order: the receiver and the variables, then the SDK (as the services' preload starts
 * it), then Fastify and the app code.
 */
import { receiver, tracingEnv } from './fixtures/tracing-to-receiver.ts';
import '@myshop/telemetry/preload';
import { shutdownTelemetry, telemetryHandle } from '@myshop/telemetry';
import { captureLogs } from '@myshop/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createFastify, platformPlugin } from '../src/index.ts';

afterAll(async () => {
  await shutdownTelemetry();
  await receiver.close();
  for (const key of Object.keys(tracingEnv)) delete process.env[key];
});

describe('the request log line, tracing on', () => {
  it('carries the trace id and span id of its request span', async () => {
    expect(telemetryHandle()?.serviceName).toBe('demo');
    const logs = captureLogs('demo');
    const app = createFastify({ logger: logs.logger, bodyLimitBytes: 1024, requestTimeoutMs: 5000 });
    await app.register(platformPlugin, { service: 'demo', version: '1.2.3', description: 'a demo' });
    app.get('/demo/items/:id', async (request) => ({ id: (request.params as { id: string }).id }));
    try {
      expect((await app.inject({ url: '/demo/items/7' })).statusCode).toBe(200);
    } finally {
      await app.close();
    }

    const lines = logs.lines().filter((line) => line.reqId !== undefined);
    expect(lines).toHaveLength(1);
    const [line] = lines;
    expect(line).toMatchObject({
      msg: 'request completed',
      route: '/demo/items/:id',
      trace_id: expect.stringMatching(/^[0-9a-f]{32}$/),
      trace_flags: '01',
    });
    const spans = await receiver.waitFor((received) =>
      received.some((span) => span.traceId === line!.trace_id && span.spanId === line!.span_id),
    );
    const request = spans.find((span) => span.name === 'GET /demo/items/:id');
    expect(request?.traceId).toBe(line!.trace_id);
  });
});
