import Fastify from 'fastify';
import { errorHandlerPlugin } from '@myshop/errors';
import { healthPlugin } from '@myshop/health';
import { describe, expect, it, onTestFinished } from 'vitest';
import { protectionPlugin } from '../src/index.ts';

async function buildApp(options: Partial<{ corsOrigins: string[]; maxEventLoopDelayMs: number }> = {}) {
  const app = Fastify({ logger: false });
  onTestFinished(() => app.close());
  await app.register(errorHandlerPlugin);
  await app.register(healthPlugin);
  await app.register(protectionPlugin, { corsOrigins: [], maxEventLoopDelayMs: 1000, maxHeapUsedBytes: 0, ...options });
  app.get('/things', async () => ({ ok: true }));
  app.get('/public', async (_request, reply) => reply.header('cache-control', 'public, max-age=300').send({ ok: true }));
  await app.ready();
  return app;
}

function blockEventLoop(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // Busy: nothing else runs, exactly what a runaway computation does.
  }
}

describe('protectionPlugin', () => {
  it('sends security headers fit for a JSON API', async () => {
    const app = await buildApp();
    const { headers } = await app.inject({ url: '/things' });
    expect(headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'");
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['strict-transport-security']).toContain('max-age=');
    expect(headers['x-frame-options']).toBe('DENY');
    // Another site's page may not embed our answers (an <img>, a <script>): same site only.
    expect(headers['cross-origin-resource-policy']).toBe('same-site');
    expect(headers['cache-control']).toBe('no-store');
    expect(headers['x-powered-by']).toBeUndefined();
  });

  it('leaves a route its own Cache-Control', async () => {
    const app = await buildApp();
    const { headers } = await app.inject({ url: '/public' });
    expect(headers['cache-control']).toBe('public, max-age=300');
  });

  it('keeps CORS closed by default: no browser origin is allowed', async () => {
    const app = await buildApp();
    const preflight = await app.inject({
      method: 'OPTIONS',
      url: '/things',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
    });
    expect(preflight.statusCode).toBe(404);
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    const simple = await app.inject({ url: '/things', headers: { origin: 'https://evil.example' } });
    expect(simple.headers['access-control-allow-origin']).toBeUndefined();
    expect(simple.headers.vary).toBeUndefined();
  });

  it('allows exactly the configured origins', async () => {
    const app = await buildApp({ corsOrigins: ['https://shop.example'] });
    const allowed = await app.inject({ url: '/things', headers: { origin: 'https://shop.example' } });
    expect(allowed.headers['access-control-allow-origin']).toBe('https://shop.example');
    const other = await app.inject({ url: '/things', headers: { origin: 'https://evil.example' } });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await app.inject({
      method: 'OPTIONS',
      url: '/things',
      headers: { origin: 'https://shop.example', 'access-control-request-method': 'GET' },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('https://shop.example');
  });

  it('answers an OPTIONS request that is no preflight like one from an origin it does not allow, never in plain text', async () => {
    const app = await buildApp({ corsOrigins: ['https://shop.example'] });
    for (const headers of [{}, { origin: 'https://shop.example' }, { 'access-control-request-method': 'POST' }]) {
      const response = await app.inject({ method: 'OPTIONS', url: '/things', headers });
      expect(response.statusCode).toBe(204);
      expect(response.body).toBe('');
      expect(response.headers['content-type']).toBeUndefined();
      expect(response.headers['access-control-allow-origin']).toBe(headers.origin);
    }
  });

  it('allows every method the API has, and lets a page read the headers a client acts on', async () => {
    const app = await buildApp({ corsOrigins: ['https://shop.example'] });
    for (const method of ['PUT', 'DELETE']) {
      const preflight = await app.inject({
        method: 'OPTIONS',
        url: '/things',
        headers: { origin: 'https://shop.example', 'access-control-request-method': method },
      });
      expect(preflight.headers['access-control-allow-methods']?.split(/,\s*/)).toContain(method);
    }
    const simple = await app.inject({ url: '/things', headers: { origin: 'https://shop.example' } });
    expect(String(simple.headers['access-control-expose-headers']).split(/,\s*/)).toEqual(
      expect.arrayContaining(['retry-after', 'x-request-id', 'idempotent-replayed']),
    );
  });

  it('sheds load with 503 + Retry-After when the event loop lags, while /livez stays 200', async () => {
    const app = await buildApp({ maxEventLoopDelayMs: 5 });
    const deadline = Date.now() + 10_000;
    let shed: Awaited<ReturnType<typeof app.inject>> | undefined;
    while (!shed && Date.now() < deadline) {
      blockEventLoop(300);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const response = await app.inject({ url: '/things' });
      if (response.statusCode === 503) shed = response;
    }
    expect(shed?.json()).toEqual({
      statusCode: 503,
      code: 'SERVICE_OVERLOADED',
      error: 'Service Unavailable',
      message: 'The service is overloaded, try again shortly',
    });
    expect(shed?.headers['retry-after']).toBe('2');
    expect((await app.inject({ url: '/livez' })).statusCode).toBe(200);
  });

  /** An app whose start keeps the loop busy for 2.5 s: every reading taken meanwhile is far past 50 ms. */
  async function appAfterABusyStart(maxHeapUsedBytes: number) {
    const app = Fastify({ logger: false });
    onTestFinished(() => app.close());
    await app.register(errorHandlerPlugin);
    await app.register(protectionPlugin, { corsOrigins: [], maxEventLoopDelayMs: 50, maxHeapUsedBytes });
    app.get('/things', async () => ({ ok: true }));
    // Modules loading, schemas compiling, on a busy node.
    const startUntil = Date.now() + 2500;
    while (Date.now() < startUntil) {
      blockEventLoop(200);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await app.ready();
    return app;
  }

  it("does not shed a new replica's first requests for the loop its start held", async () => {
    const app = await appAfterABusyStart(0);
    // The reading in force says the loop is late, yet the replica serves.
    expect(app.memoryUsage().eventLoopDelay).toBeGreaterThan(50);
    const first = await app.inject({ url: '/things' });
    expect(first.statusCode).toBe(200);
    // A loop that stays late while serving is shed as before.
    const deadline = Date.now() + 10_000;
    let shed = false;
    while (!shed && Date.now() < deadline) {
      blockEventLoop(200);
      await new Promise((resolve) => setImmediate(resolve));
      shed = (await app.inject({ url: '/things' })).statusCode === 503;
    }
    expect(shed).toBe(true);
  });

  it('still sheds, right after the start, when the heap is past its limit', async () => {
    const app = await appAfterABusyStart(1);
    expect(app.memoryUsage().eventLoopDelay).toBeGreaterThan(50);
    const response = await app.inject({ url: '/things' });
    expect(response.statusCode).toBe(503);
    expect(response.json().code).toBe('SERVICE_OVERLOADED');
  });

  it('never sheds /readyz: an overloaded replica stays in the Service, its requests are shed one by one', async () => {
    const app = await buildApp({ maxEventLoopDelayMs: 5 });
    const deadline = Date.now() + 10_000;
    let shedding = false;
    while (!shedding && Date.now() < deadline) {
      blockEventLoop(300);
      await new Promise((resolve) => setTimeout(resolve, 100));
      shedding = (await app.inject({ url: '/things' })).statusCode === 503;
    }
    expect(shedding).toBe(true);
    const ready = await app.inject({ url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready', checks: {} });
  });

  it('answers a request reaching a closing replica with 503 SERVICE_SHUTTING_DOWN in the error shape', async () => {
    const app = Fastify({ logger: false, return503OnClosing: false });
    await app.register(errorHandlerPlugin);
    await app.register(protectionPlugin, { corsOrigins: [], maxEventLoopDelayMs: 0, maxHeapUsedBytes: 0 });
    app.get('/things', async () => ({ ok: true }));
    // A slow preClose hook after the plugin's: the listener still accepts while close() has begun.
    const finish = Promise.withResolvers<void>();
    const began = Promise.withResolvers<void>();
    app.addHook('preClose', async () => {
      began.resolve();
      await finish.promise;
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as { port: number };
    expect((await fetch(`http://127.0.0.1:${port}/things`)).status).toBe(200);

    const closed = app.close();
    await began.promise;
    const response = await fetch(`http://127.0.0.1:${port}/things`);
    finish.resolve();
    await closed;

    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(response.headers.get('connection')).toBe('close');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(await response.json()).toEqual({
      statusCode: 503,
      code: 'SERVICE_SHUTTING_DOWN',
      error: 'Service Unavailable',
      message: 'This instance is shutting down, try again',
    });
  });
});
