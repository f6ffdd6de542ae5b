import Fastify from 'fastify';
import { describe, expect, it, onTestFinished } from 'vitest';
import { Endpoints, type Endpoint } from '../src/endpoints.ts';

/**
 * A replica stand-in whose /readyz answers whatever `answers` says next (then its last answer,
 * forever), or, once told `hang()`, nothing at all.
 */
async function replica(answers: Array<'ready' | 'not-ready' | 'draining' | 'hang'>) {
  // Hanging probes must not keep close() waiting.
  const app = Fastify({ forceCloseConnections: true });
  let probes = 0;
  let hanging = false;
  app.get('/readyz', async (_request, reply) => {
    const answer = hanging ? 'hang' : answers[Math.min(probes, answers.length - 1)]!;
    probes += 1;
    if (answer === 'hang') return new Promise(() => undefined);
    if (answer === 'ready') return { status: 'ready' };
    return reply.code(503).send({ status: answer, message: `instance is ${answer}` });
  });
  const origin = await app.listen({ host: '127.0.0.1', port: 0 });
  onTestFinished(() => app.close());
  return { app, origin, probes: () => probes, hang: () => void (hanging = true) };
}

/**
 * Probes every 20 ms. Their timeout is one no stall of a busy machine reaches unless a test sets a
 * short one: a probe of an answering replica that timed out would count as a failure the test did
 * not script, and drop a replica it expects to keep.
 */
function watched(options: { failureThreshold?: number; probeTimeoutMs?: number } = {}) {
  const changes: Array<{ name: string; ready: boolean; reason: string }> = [];
  const endpoints = new Endpoints('svc', {
    probeIntervalMs: 20,
    probeTimeoutMs: options.probeTimeoutMs ?? 30_000,
    failureThreshold: options.failureThreshold ?? 3,
    onChange: (endpoint: Endpoint, reason: string) => void changes.push({ name: endpoint.name, ready: endpoint.ready, reason }),
  });
  onTestFinished(() => endpoints.close());
  return { endpoints, changes };
}

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('Endpoints (a Service stand-in)', () => {
  it('keeps a replica through a failed probe or two, like failureThreshold, and drops it after three in a row', async () => {
    const one = await replica(['ready', 'not-ready', 'not-ready', 'ready', 'ready', 'ready', 'not-ready']);
    const { endpoints, changes } = watched();
    endpoints.add('one', one.origin);
    await until(() => one.probes() >= 6);
    expect(endpoints.ready().map((endpoint) => endpoint.name)).toEqual(['one']);
    expect(changes).toEqual([{ name: 'one', ready: true, reason: 'readiness probe passed' }]);

    await until(() => changes.length === 2);
    expect(changes[1]).toEqual({
      name: 'one',
      ready: false,
      reason: '3 readiness probes failed, the last: /readyz 503 (instance is not-ready)',
    });
    expect(endpoints.pick()).toBeUndefined();
  });

  it('counts a probe that does not answer in time as failed', async () => {
    // Ready first, however long a busy machine takes to answer a first probe (one too slow is
    // only asked again), and only then silent: a ready replica whose probes go unanswered.
    const slow = await replica(['ready']);
    const { endpoints, changes } = watched({ failureThreshold: 2, probeTimeoutMs: 500 });
    endpoints.add('slow', slow.origin);
    await endpoints.waitUntilReady('slow', 10_000);
    slow.hang();
    await until(() => changes.length === 2);
    expect(changes[1]).toMatchObject({ ready: false, reason: expect.stringMatching(/^2 readiness probes failed, the last: \/readyz /) });
  });

  it('drops a draining replica at its first probe, as a terminating pod leaves its EndpointSlice', async () => {
    const leaving = await replica(['ready', 'ready', 'draining']);
    const { endpoints, changes } = watched();
    endpoints.add('leaving', leaving.origin);
    await until(() => changes.length === 2);
    expect(changes[1]).toEqual({ name: 'leaving', ready: false, reason: '/readyz 503 (instance is draining)' });
    expect(leaving.probes()).toBeLessThanOrEqual(4);
  });

  it('drops a replica that refuses connections at once', async () => {
    const gone = await replica(['ready']);
    const { endpoints, changes } = watched({ failureThreshold: 100 });
    endpoints.add('gone', gone.origin);
    await endpoints.waitUntilReady('gone', 5000);
    await gone.app.close();
    await until(() => changes.length === 2);
    expect(changes[1]).toEqual({ name: 'gone', ready: false, reason: '/readyz ECONNREFUSED' });
  });

  it('stops waiting for a replica to be ready once it is removed: it never will be', async () => {
    const starting = await replica(['not-ready']);
    const { endpoints } = watched();
    endpoints.add('starting', starting.origin);
    const waited = endpoints.waitUntilReady('starting', 10_000).then(
      () => 'ready',
      (error: Error) => error.message,
    );
    await until(() => starting.probes() >= 2);
    endpoints.remove('starting');
    const started = Date.now();
    expect(await waited).toBe('starting was removed before it was ready');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('asks a replica one probe at a time, however slow it is', async () => {
    const slow = await replica(['hang']);
    // At the default timeout, which no busy machine reaches: the first probe is still waiting when the test looks.
    const { endpoints } = watched();
    endpoints.add('slow', slow.origin);
    await until(() => slow.probes() > 0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    // 15 probe periods went by; the first probe still waits for its answer.
    expect(slow.probes()).toBe(1);
  });
});
