import { errorBody } from '@myshop/errors';
import Fastify from 'fastify';
import { describe, expect, it, onTestFinished } from 'vitest';
import { healthPlugin } from '../src/index.ts';

async function buildApp(check?: () => Promise<unknown>) {
  const app = Fastify({ logger: false });
  onTestFinished(() => app.close());
  await app.register(healthPlugin);
  if (check) app.health.addCheck('database', check);
  return app;
}

describe('GET /livez', () => {
  it('answers while the process runs, whatever the dependencies do', async () => {
    const app = await buildApp(() => Promise.reject(new Error('down')));
    await app.ready();
    const response = await app.inject({ url: '/livez' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });
});

describe('GET /readyz', () => {
  it('is 200 with every check listed once started', async () => {
    const app = await buildApp(async () => 1);
    await app.ready();
    const response = await app.inject({ url: '/readyz' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ready', checks: { database: 'ok' } });
  });

  it('is 503 naming the dependency that does not answer', async () => {
    const app = await buildApp(() => Promise.reject(new Error('connection refused')));
    await app.ready();
    const response = await app.inject({ url: '/readyz' });
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('1');
    expect(response.json()).toMatchObject({ statusCode: 503, code: 'NOT_READY', status: 'not-ready', checks: { database: 'unreachable' } });
  });

  it('gives up on a check that hangs instead of hanging the probe', async () => {
    const app = await buildApp(() => new Promise(() => undefined));
    await app.ready();
    const started = Date.now();
    const response = await app.inject({ url: '/readyz' });
    expect(response.statusCode).toBe(503);
    expect(response.json().checks).toEqual({ database: 'timed out' });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('turns 503 from the moment draining starts, while liveness stays 200', async () => {
    const app = await buildApp(async () => 1);
    await app.ready();
    app.health.startDraining();
    const ready = await app.inject({ url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({ status: 'draining', message: 'instance is draining' });
    expect((await app.inject({ url: '/livez' })).statusCode).toBe(200);
  });
});

describe('draining', () => {
  it('closes keep-alive connections with every response, so close() is not kept waiting', async () => {
    const app = await buildApp(async () => 1);
    app.get('/work', async () => ({ done: true }));
    await app.ready();
    expect((await app.inject({ url: '/work' })).headers.connection).not.toBe('close');
    app.health.startDraining();
    expect((await app.inject({ url: '/work' })).headers.connection).toBe('close');
  });
  it('says whether the instance is draining, for work of its own to stop starting', async () => {
    const app = await buildApp(async () => 1);
    await app.ready();
    expect(app.health.isDraining()).toBe(false);
    app.health.startDraining();
    expect(app.health.isDraining()).toBe(true);
  });
});

describe('errors on a probe route', () => {
  it('keep the JSON error shape (a 503 from a hook is not turned into a 500 by the probe schema)', async () => {
    const app = Fastify({ logger: false });
    onTestFinished(() => app.close());
    await app.register(healthPlugin);
    // What a shedding or rate-limiting hook does: answer before the handler, with an error body.
    app.addHook('onRequest', async (_request, reply) => {
      await reply.code(503).send(errorBody(503, 'SERVICE_OVERLOADED', 'busy'));
    });
    await app.ready();
    const response = await app.inject({ url: '/readyz' });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({ statusCode: 503, code: 'SERVICE_OVERLOADED', error: 'Service Unavailable', message: 'busy' });
  });
});
