/**
 * With tracing on, the request line carries the trace and span ids of its request: from a line
 * to its trace and back. A file of its own: the OpenTelemetry SDK is process-wide, started here
 * as the services' preload starts it, from the standard variables.
 */
import { captureLogs } from '@myshop/testing';
import { shutdownTelemetry } from '@myshop/telemetry';
import { startOtlpReceiver, type OtlpReceiver } from '@myshop/telemetry/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let receiver: OtlpReceiver;
const saved = { ...process.env };

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  Object.assign(process.env, {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_TRACES_SAMPLER: 'always_on',
    OTEL_SERVICE_NAME: 'demo',
    OTEL_BSP_SCHEDULE_DELAY: '100',
  });
  await import('@myshop/telemetry/preload');
});

afterAll(async () => {
  await shutdownTelemetry();
  await receiver.close();
  process.env = saved;
});

describe('the request log line, tracing on', () => {
  it('carries the trace id and span id of its request span', async () => {
    // Imported once the SDK runs, as the preload guarantees for the services.
    const { createFastify, platformPlugin } = await import('../src/index.ts');
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
    expect(line).toMatchObject({ msg: 'request completed', route: '/demo/items/:id', trace_id: expect.stringMatching(/^[0-9a-f]{32}$/), trace_flags: '01' });
    const spans = await receiver.waitFor((received) => received.some((span) => span.traceId === line!.trace_id && span.spanId === line!.span_id));
    const request = spans.find((span) => span.name === 'request' && span.attributes['http.route'] === '/demo/items/:id');
    expect(request?.traceId).toBe(line!.trace_id);
  });
});
