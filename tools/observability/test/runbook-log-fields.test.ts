/**
 * A runbook that sends the operator to Kibana names a message to search for and a field that says
 * why: both must be on the line the service really writes, as ECS (what Fluent Bit ships), or the
 * operator finds the line and not the reason; and the line's trace.id must open its trace.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startOtlpReceiver } from '@myshop/telemetry/testing';
import { appendToRunLog, createTestDatabase, WAIT_FOR_LOG_LINES } from '@myshop/testing';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { ruleGroups } from '../src/observability-files.ts';
import { startServiceProcess } from '../src/service-process.ts';

/** A URL on this machine where nothing listens: every call to it is refused. */
async function refusingUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/** A field of an ECS line, whether written dotted (`log.level`) or nested (`error: { message }`). */
function field(line: Record<string, unknown>, path: string): unknown {
  if (path in line) return line[path];
  return path.split('.').reduce<unknown>((value, key) => (value as Record<string, unknown> | undefined)?.[key], line);
}

describe('the runbook of MyshopRefundFeedFailing', () => {
  const runbook = ruleGroups()
    .flatMap((group) => group.rules)
    .find((rule) => rule.alert === 'MyshopRefundFeedFailing')!.annotations!.runbook!;

  // A database, a real cart process and its first reads, all of which must succeed: a busy
  // two-core machine takes more than the default 30 s for them now and then.
  it("names the message and the field of the line cart writes when it cannot read payment's refund feed, which leads to the read's trace", async () => {
    const service = /service\.name: (\w+)/.exec(runbook)?.[1];
    const message = /message: "([^"]+)"/.exec(runbook)?.[1];
    const why = /its ([\w.]+) says why/.exec(runbook)?.[1];
    expect({ service, message, why }).toEqual({ service: 'cart', message: expect.any(String), why: expect.any(String) });

    const database = await createTestDatabase();
    onTestFinished(() => database.drop());
    const dataDir = mkdtempSync(join(tmpdir(), 'myshop-runbook-'));
    onTestFinished(() => rmSync(dataDir, { recursive: true, force: true }));
    // Payment and the token endpoint unreachable: every read fails, as while the alert fires.
    const away = await refusingUrl();
    const receiver = await startOtlpReceiver();
    onTestFinished(() => receiver.close());
    const cart = await startServiceProcess('cart', {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_TRACES_SAMPLER: 'parentbased_always_on',
      OTEL_BSP_SCHEDULE_DELAY: '100',
      DATABASE_URL: database.url,
      DATA_DIR: dataDir,
      LOG_FORMAT: 'ecs',
      JWKS_URL: `${away}/user/.well-known/jwks.json`,
      TOKEN_URL: `${away}/user/oauth/token`,
      PAYMENT_URL: away,
      REFUND_SYNC_INTERVAL_MS: '100',
    });
    onTestFinished(async () => {
      await cart.stop();
      // Scanned with every other line of the run for secrets (tools/security-checks).
      for (const text of cart.lines) appendToRunLog(text);
    });

    const line = await vi.waitFor(() => {
      const found = cart.lines
        .filter((text) => text.startsWith('{'))
        .map((text) => JSON.parse(text) as Record<string, unknown>)
        .find((entry) => String(entry.message).includes(message!));
      expect(found).toBeDefined();
      return found!;
    }, WAIT_FOR_LOG_LINES);
    expect(field(line, 'service.name')).toBe(service);
    expect(field(line, why!), `${why} on ${JSON.stringify(line)}`).toMatch(/ECONNREFUSED|connection/);
    // The read is a trace of its own (inBackgroundSpan), with the call that failed in it.
    const traceId = field(line, 'trace.id');
    expect(traceId, JSON.stringify(line)).toMatch(/^[0-9a-f]{32}$/);
    const spans = await receiver.waitFor((received) => received.some((span) => span.traceId === traceId && !span.parentSpanId));
    expect(spans.find((span) => span.traceId === traceId && !span.parentSpanId)?.name).toBe('cart refund feed sync');
  }, 120_000);
});
