/**
 * Observability end to end, on the stack `npm start` runs: every service its own
 * process started with the telemetry preload, exporting its spans over OTLP to a receiver this
 * test holds in memory, its logs read line by line, its metrics scraped from its metrics port.
 */
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '@myshop/telemetry/testing';
import { request } from 'undici';
import { SANDBOX_CARDS, sandboxCard } from '@myshop/schemas';
import { appendToRunLog, WAIT_FOR_LOG_LINES } from '@myshop/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { GatewayClient, type Answer, type CallOptions } from '../src/gateway-client.ts';
import { startStack, type Stack } from '../src/index.ts';

const root = resolve(import.meta.dirname, '../../..');
const { approved: VISA, declined: DECLINED } = SANDBOX_CARDS;
const PASSWORD = 'correct horse battery';

let stack: Stack;
let client: GatewayClient;
let receiver: OtlpReceiver;
let dataDir: string;
const lines: Array<{ replica: string; line: string }> = [];

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  dataDir = mkdtempSync(join(tmpdir(), 'myshop-telemetry-'));
  chmodSync(dataDir, 0o755);
  stack = await startStack({
    root,
    gatewayPort: 0,
    dataDir,
    env: {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      // Every trace, exported within a few hundred milliseconds.
      OTEL_TRACES_SAMPLER: 'parentbased_always_on',
      OTEL_BSP_SCHEDULE_DELAY: '200',
    },
    printLine: (replica, line) => {
      lines.push({ replica, line });
      // Scanned with every other line of the run for secrets (tools/security-checks).
      appendToRunLog(line);
    },
  });
  client = new GatewayClient(stack.gatewayUrl, 8);
}, 180_000);

afterAll(async () => {
  await client?.close();
  await stack?.stop();
  await receiver?.close();
  rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

/** One request through the gateway, as a browser on myshop.com would send it; the answer's JSON typed as `T`. */
function call<T = Record<string, unknown>>(method: string, path: string, options: CallOptions = {}): Promise<Answer<T>> {
  // As long as a test may take: a slow answer on a busy machine fails the test, not the call.
  return client.call<T>(method, path, { timeoutMs: 30_000, ...options });
}

async function scrape(service: string): Promise<string> {
  const replica = stack.services.get(service)!.replicas[0]!;
  const response = await request(`http://127.0.0.1:${replica.metricsPort}/metrics`);
  return response.body.text();
}

/** The value of one sample line of an exposition, e.g. `myshop_logins_total{result="success",service="user"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const secrets: string[] = [];
let checkoutTrace = '';
let token = '';

describe('observability of the checkout journey (npm start, tracing on)', () => {
  it('a checkout is one trace across cart, user (the token exchange), payment and both databases', async () => {
    const email = `ada-${randomUUID()}@example.com`;
    expect((await call('POST', '/user/register', { body: { email, password: PASSWORD, name: 'Ada' } })).status).toBe(201);
    const login = await call<{ accessToken: string }>('POST', '/user/login', { body: { email, password: PASSWORD } });
    token = login.body.accessToken;
    secrets.push(PASSWORD, token, VISA, DECLINED);

    const products = await call<{ items: Array<{ id: string }> }>('GET', '/cart/products?limit=2');
    expect((await call('POST', '/cart/items', { token, body: { productId: products.body.items[0]!.id, quantity: 1 } })).status).toBe(201);
    // Cart exchanges Alice's token for a payment token at user inside the checkout's trace.
    const paid = await call<{ orderId: string }>('POST', '/cart/checkout', { token, key: randomUUID(), body: { card: sandboxCard(VISA) } });
    expect(paid.status).toBe(201);

    // Each process exports in its own batches: wait until the trace is whole (no span's parent missing).
    const orphans = (trace: ReceivedSpan[]) => {
      const ids = new Set(trace.map((span) => span.spanId));
      return trace.filter((span) => span.parentSpanId && !ids.has(span.parentSpanId));
    };
    const spans = await receiver.waitFor((received) => {
      const checkout = received.find((span) => span.service === 'cart' && span.attributes['http.route'] === '/cart/checkout');
      const trace = received.filter((span) => span.traceId === checkout?.traceId);
      return !!checkout && new Set(trace.map((span) => span.service)).size >= 3 && orphans(trace).length === 0;
    });
    const root = spans.find((span) => span.service === 'cart' && span.name === 'POST /cart/checkout')!;
    checkoutTrace = root.traceId;
    const trace = spans.filter((span) => span.traceId === checkoutTrace);
    const services = new Set(trace.map((span) => span.service));
    expect(services).toEqual(new Set(['cart', 'payment', 'user']));
    const database = (service: string) =>
      trace.filter((span: ReceivedSpan) => span.service === service && span.scope === '@opentelemetry/instrumentation-pg');
    expect(database('cart').length).toBeGreaterThan(0);
    expect(database('payment').length).toBeGreaterThan(0);
    expect(trace.find((span) => span.service === 'payment' && span.name === 'POST /payment/charges')).toBeDefined();
    expect(trace.find((span) => span.service === 'user' && span.name === 'POST /user/oauth/token')).toBeDefined();
    // One trace: the cart's request span is its root, every other span's parent is in it.
    expect(trace.filter((span) => !span.parentSpanId)).toEqual([root]);
    expect(orphans(trace)).toEqual([]);
  });

  it('a read of the refund feed is one trace, from cart’s background job to payment, not a trace of its own at payment', async () => {
    const jobOf = (spans: ReceivedSpan[], feed: ReceivedSpan) =>
      spans.find((span) => span.traceId === feed.traceId && span.service === 'cart' && span.name === 'cart refund feed sync');
    const isFeedRead = (span: ReceivedSpan) => span.service === 'payment' && span.attributes['http.route'] === '/payment/refunds';
    // Cart reads the feed every second here (REFUND_SYNC_INTERVAL_MS), every trace sampled.
    const spans = await receiver.waitFor((received) => received.some((span) => isFeedRead(span) && jobOf(received, span)));
    const feed = spans.find((span) => isFeedRead(span) && jobOf(spans, span))!;
    const trace = spans.filter((span) => span.traceId === feed.traceId);
    expect(trace.filter((span) => !span.parentSpanId)).toEqual([jobOf(spans, feed)]);
    // Every read is in such a trace: none at payment started one of its own.
    const roots = spans.filter((span) => isFeedRead(span) && !span.parentSpanId);
    expect(roots).toEqual([]);
  });

  it('log lines written inside the traced checkout carry its trace id', async () => {
    // Info lines reach stdout in batches, a quarter of a second late at most.
    await vi.waitFor(() => {
      const traced = lines
        .filter(({ line }) => line.includes(checkoutTrace))
        .map(({ replica, line }) => ({ replica, entry: JSON.parse(line) as Record<string, unknown> }));
      const settled = traced.find(({ entry }) => entry.msg === 'order settled');
      expect(settled?.entry).toMatchObject({ service: 'cart', trace_id: checkoutTrace, span_id: expect.stringMatching(/^[0-9a-f]{16}$/) });
      expect(traced.find(({ entry }) => entry.msg === 'charge recorded')?.entry).toMatchObject({
        service: 'payment',
        trace_id: checkoutTrace,
      });
    }, WAIT_FOR_LOG_LINES);
  });

  it('the metrics endpoints count what happened, after a known sequence', async () => {
    const [product] = (await call<{ items: Array<{ id: string }> }>('GET', '/cart/products?limit=1')).body.items;
    expect((await call('POST', '/cart/items', { token, body: { productId: product!.id, quantity: 2 } })).status).toBe(201);
    expect((await call('POST', '/cart/checkout', { token, key: randomUUID(), body: { card: sandboxCard(DECLINED) } })).status).toBe(402);
    expect((await call('POST', '/user/login', { body: { email: 'nobody@example.com', password: 'wrong password' } })).status).toBe(401);

    const [user, cart, payment] = await Promise.all(['user', 'cart', 'payment'].map(scrape));
    expect(sample(user!, 'myshop_user_registrations_total{service="user"}')).toBe(1);
    expect(sample(user!, 'myshop_logins_total{result="success",service="user"}')).toBe(1);
    expect(sample(user!, 'myshop_logins_total{result="invalid_credentials",service="user"}')).toBe(1);
    expect(sample(cart!, 'myshop_cart_checkouts_total{result="paid",service="cart"}')).toBe(1);
    expect(sample(cart!, 'myshop_cart_checkouts_total{result="declined",service="cart"}')).toBe(1);
    expect(sample(payment!, 'myshop_payment_charges_total{result="succeeded",code="none",service="payment"}')).toBe(1);
    expect(sample(payment!, 'myshop_payment_charges_total{result="failed",code="card_declined",service="payment"}')).toBe(1);
    expect(sample(payment!, 'myshop_payment_amount_minor_total{currency="USD",service="payment"}')).toBeGreaterThan(0);
    expect(sample(payment!, 'myshop_payment_idempotent_replays_total{service="payment"}')).toBe(0);
    expect(
      sample(cart!, 'http_server_request_duration_seconds_count{service="cart",method="POST",route="/cart/checkout",status_code="201"}'),
    ).toBe(1);
    expect(sample(cart!, 'http_client_request_duration_seconds_count{service="cart",target="payment",method="POST",outcome="ok"}')).toBe(1);
    for (const text of [user!, cart!, payment!]) {
      for (const name of [
        'http_server_requests_in_flight',
        'nodejs_eventloop_lag_seconds',
        'db_pool_connections',
        'db_pool_waiting_requests',
        'db_query_duration_seconds',
      ]) {
        expect(text).toContain(`# TYPE ${name} `);
      }
    }
  });

  it('no log line of the journey holds a card number, a password or a token', () => {
    expect(lines.length).toBeGreaterThan(20);
    const leaks = lines.filter(({ line }) => secrets.some((secret) => line.includes(secret)));
    expect(leaks).toEqual([]);
    // The token's signature alone would be enough to replay it.
    expect(lines.filter(({ line }) => line.includes(token.split('.')[2]!))).toEqual([]);
  });
});
