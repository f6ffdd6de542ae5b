import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startOtlpReceiver } from '../src/otlp-receiver.ts';

const run = promisify(execFile);
const dir = resolve(import.meta.dirname, '..');
// The path has apps/probe/ in it: the service name is derived from it when none is configured.
const fixture = 'test/fixtures/apps/probe/traced-app.ts';

/** The fixture in its own process, exactly as an image starts a service (but from source). */
async function runWithPreload(env: Record<string, string>): Promise<{ status: number; sdk: string | null }> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('OTEL_')));
  const { stdout } = await run(process.execPath, ['--conditions=@myshop/source', '--import', '@myshop/telemetry/preload', fixture], {
    cwd: dir,
    env: { ...clean, ...env },
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as { status: number; sdk: string | null };
}

describe('node --import @myshop/telemetry/preload', () => {
  it('starts no SDK when no OTEL_* variable names an exporter', async () => {
    expect(await runWithPreload({})).toEqual({ status: 200, sdk: null });
  });

  it('starts no SDK when OTEL_SDK_DISABLED=true, even with an endpoint', async () => {
    expect(await runWithPreload({ OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' })).toEqual({
      status: 200,
      sdk: null,
    });
  });

  it('exports the spans of a request over OTLP to the endpoint, flushed by shutdownTelemetry', async () => {
    const receiver = await startOtlpReceiver();
    onTestFinished(() => receiver.close());
    const result = await runWithPreload({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_TRACES_SAMPLER: 'parentbased_always_on',
    });
    expect(result).toEqual({ status: 200, sdk: 'probe' });
    const spans = receiver.spans();
    expect(spans.find((span) => span.name === 'GET /hello/:name')).toMatchObject({
      service: 'probe',
      scope: '@fastify/otel',
      attributes: { 'http.route': '/hello/:name' },
    });
    expect(new Set(spans.map((span) => span.traceId)).size).toBe(1);
  });

  it('samples by the default ratio without OTEL_TRACES_SAMPLER: a trace arrives whole or not at all', async () => {
    const receiver = await startOtlpReceiver();
    onTestFinished(() => receiver.close());
    // Each request a new trace, sampled at the default 10 %: about 40 of 400. Outside 5 to 120 the
    // odds are below one in a billion; all of them (no ratio applied) or none is a broken sampler.
    const requests = 400;
    const result = await runWithPreload({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_SERVICE_NAME: 'named',
      PROBE_REQUESTS: String(requests),
    });
    expect(result).toEqual({ status: 200, sdk: 'named' });
    const spans = receiver.spans();
    const traces = [...new Set(spans.map((span) => span.traceId))];
    expect(traces.length).toBeGreaterThanOrEqual(5);
    expect(traces.length).toBeLessThanOrEqual(120);
    // Whole: every trace that arrives holds its request's span.
    const partial = traces.filter((traceId) => !spans.some((span) => span.traceId === traceId && span.name === 'GET /hello/:name'));
    expect(partial).toEqual([]);
  });
});
