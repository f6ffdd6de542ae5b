import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { WAITING_FOR_DATABASE } from '@myshop/db';
import { createTestDatabase, freePort, runEntryPoint } from '@myshop/testing';
import { describe, expect, it, onTestFinished } from 'vitest';

const fixture = fileURLToPath(new URL('./fixtures/slow-service.ts', import.meta.url));

/** The fixture service on a fresh database, once it listens. */
async function startService(env: Record<string, string> = {}) {
  const database = await createTestDatabase();
  onTestFinished(() => database.drop());
  const service = runEntryPoint(fixture, { DATABASE_URL: database.url, ...env });
  return { ...service, ...(await service.listening) };
}

describe('runService', () => {
  it('serves the app, its probes and its metrics on separate ports', async () => {
    const service = await startService();
    expect(await (await fetch(`${service.origin}/slow`)).json()).toEqual({ greeting: 'hello', waited: 0 });
    expect((await fetch(`${service.origin}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${service.metricsOrigin}/metrics`)).text();
    expect(metrics).toContain('http_server_request_duration_seconds_count{service="slow",method="GET",route="/slow",status_code="200"} 1');
    expect((await fetch(`${service.origin}/metrics`)).status).toBe(404);
    service.child.kill('SIGTERM');
    expect(await service.exit).toEqual([0, null]);
  });

  it('on SIGTERM: readiness turns 503, the request in flight completes, the process exits 0', async () => {
    const service = await startService({ SHUTDOWN_DELAY_MS: '700' });
    const inFlight = fetch(`${service.origin}/slow?ms=1200`);
    await new Promise((resolve) => setTimeout(resolve, 150));
    service.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 150));

    const readiness = await fetch(`${service.origin}/readyz`);
    expect(readiness.status).toBe(503);
    expect(await readiness.json()).toMatchObject({ status: 'draining' });

    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ greeting: 'hello', waited: 1200 });
    expect(await service.exit).toEqual([0, null]);
    await expect(fetch(`${service.origin}/readyz`)).rejects.toThrow();
    expect(service.output()).toContain('"msg":"stopped"');
  });

  it('stops cleanly (exit 0) when the last spans cannot be exported', async () => {
    // A Collector that refuses every export (as one that is overloaded or being replaced does).
    const collector = createServer((request, response) => request.resume().on('end', () => response.writeHead(400).end()));
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => collector.close(() => resolve())));
    const service = await startService({
      NODE_OPTIONS: '--import=@myshop/telemetry/preload',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(collector.address() as AddressInfo).port}`,
      OTEL_TRACES_SAMPLER: 'always_on',
    });
    expect((await fetch(`${service.origin}/slow`)).status).toBe(200);
    service.child.kill('SIGTERM');
    expect(await service.exit).toEqual([0, null]);
    expect(service.output()).toContain('"msg":"last spans not exported"');
    expect(service.output()).toContain('"msg":"stopped"');
  });

  it('stops cleanly (exit 0) within SHUTDOWN_GRACE_MS when the Collector is down: the last spans are given up in time', async () => {
    // A port nothing listens on any more: every export is refused, and the exporter retries for
    // its whole timeout (OTEL_EXPORTER_OTLP_TIMEOUT, 10 s), longer than this grace.
    const port = await freePort();
    const service = await startService({
      NODE_OPTIONS: '--import=@myshop/telemetry/preload',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
      OTEL_TRACES_SAMPLER: 'always_on',
      SHUTDOWN_GRACE_MS: '3000',
    });
    expect((await fetch(`${service.origin}/slow`)).status).toBe(200);
    service.child.kill('SIGTERM');
    // Past the grace, close-with-grace would have ended it with exit 1 ("killed by timeout").
    expect(await service.exit).toEqual([0, null]);
    expect(service.output()).toContain('"msg":"last spans not exported"');
    expect(service.output()).toContain('"msg":"stopped"');
  });

  it('says in its log that spans are lost while the Collector is down, instead of losing them in silence', async () => {
    const port = await freePort();
    const service = await startService({
      NODE_OPTIONS: '--import=@myshop/telemetry/preload',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
      OTEL_EXPORTER_OTLP_TIMEOUT: '500',
      OTEL_BSP_SCHEDULE_DELAY: '100',
      OTEL_TRACES_SAMPLER: 'always_on',
    });
    expect((await fetch(`${service.origin}/slow`)).status).toBe(200);
    const problem = () =>
      service
        .output()
        .split('\n')
        .find((line) => line.includes('"msg":"tracing problem"'));
    await expect.poll(problem, { timeout: 8000, interval: 100 }).toBeDefined();
    expect(JSON.parse(problem()!)).toMatchObject({
      level: 40,
      service: 'slow',
      reason: expect.stringMatching(/ECONNREFUSED|timed out|timeout/i),
    });
  });

  it('drains once when one Ctrl-C arrives twice (from the terminal and forwarded by npm)', async () => {
    const service = await startService({ SHUTDOWN_DELAY_MS: '300' });
    const inFlight = fetch(`${service.origin}/slow?ms=800`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    service.child.kill('SIGINT');
    service.child.kill('SIGINT');
    expect((await inFlight).status).toBe(200);
    expect(await service.exit).toEqual([0, null]);
  });

  it('stops within moments when its supervisor goes away during start-up, not after the database wait', async () => {
    // `npm start` stopped mid-start: its IPC channel closes and its embedded databases stop with it.
    const nothingListens = await freePort();
    const spawned = runEntryPoint(fixture, { DATABASE_URL: `postgres://postgres@127.0.0.1:${nothingListens}/gone` });
    await expect.poll(() => spawned.output(), { timeout: 10_000, interval: 50 }).toContain(WAITING_FOR_DATABASE);
    const started = Date.now();
    spawned.child.disconnect();
    expect(await spawned.exit).toEqual([0, null]);
    // DATABASE_START_WAIT_MS (45 s by default) would otherwise run out first.
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('exits 1 when shutdown outlasts SHUTDOWN_GRACE_MS', async () => {
    const service = await startService({ SHUTDOWN_GRACE_MS: '1000' });
    const stuck = fetch(`${service.origin}/slow?ms=8000`).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    service.child.kill('SIGTERM');
    const [code] = await service.exit;
    expect(code).toBe(1);
    expect(Date.now() - started).toBeLessThan(4000);
    await stuck;
  });

  it('exits 1 before its API listens when the metrics port cannot be had', async () => {
    // The API listened first: a replica took requests for a moment, then died on its metrics port.
    const taken = createServer();
    taken.listen(0, '127.0.0.1');
    await new Promise((resolve) => taken.once('listening', resolve));
    onTestFinished(() => void taken.close());
    const database = await createTestDatabase();
    onTestFinished(() => database.drop());
    const port = await freePort();
    const spawned = runEntryPoint(fixture, {
      DATABASE_URL: database.url,
      PORT: String(port),
      METRICS_PORT: String((taken.address() as AddressInfo).port),
    });
    const [code] = await spawned.exit;
    expect(code).toBe(1);
    expect(spawned.output()).toContain('EADDRINUSE');
    expect(spawned.output()).not.toContain(`listening at http://127.0.0.1:${port}`);
  });

  it('refuses to start with a bad config: one message naming every bad key, exit 1, before listening', async () => {
    const spawned = runEntryPoint(fixture, { PORT: 'eighty', LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://root:hunter2@db/shop' });
    const listened = new Promise((resolve) => spawned.child.once('message', resolve));
    const [code] = await spawned.exit;
    expect(code).toBe(1);
    const output = spawned.output();
    expect(output).toContain('Invalid configuration (3 keys)');
    for (const key of ['PORT', 'LOG_LEVEL', 'DATABASE_URL']) expect(output).toContain(`  ${key}:`);
    expect(output).not.toContain('hunter2');
    expect(await Promise.race([listened, new Promise((resolve) => setTimeout(() => resolve('never'), 100))])).toBe('never');
  });

  it('reports a bad config as one ECS line with LOG_FORMAT=ecs, the service and level a log search finds it by', async () => {
    const spawned = runEntryPoint(fixture, { LOG_FORMAT: 'ecs', PORT: 'eighty', DATABASE_URL: 'mysql://root:hunter2@db/shop' });
    const [code] = await spawned.exit;
    expect(code).toBe(1);
    const lines = spawned.output().split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      'log.level': 'fatal',
      'service.name': 'slow',
      message: expect.stringMatching(/^Invalid configuration \(2 keys\):\n {2}PORT: .*\n {2}DATABASE_URL: /),
      keys: ['PORT', 'DATABASE_URL'],
    });
    expect(lines[0]).not.toContain('hunter2');
  });
});
