import { ANSWER_AFTER_HANG_UP_MS, captureLogs, hangUpBeforeAnswer } from '@myshop/testing';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createFastify, platformPlugin, RequestLogController } from '../src/index.ts';

async function buildApp(logger: Logger) {
  const app = createFastify({ logger, bodyLimitBytes: 1024, requestTimeoutMs: 5000 });
  onTestFinished(() => app.close());
  await app.register(platformPlugin, { service: 'demo', version: '1.2.3', description: 'a demo' });
  app.post('/demo/items/:id', async (request, reply) => reply.code(201).send({ id: (request.params as { id: string }).id }));
  app.get('/demo/broken', async () => {
    throw new Error('the disk is on fire');
  });
  await app.ready();
  return app;
}

const SECRETS = { authorization: 'Bearer eyJ.not-for-logs.sig', cookie: 'sid=not-for-logs', password: 'hunter2-not-for-logs' };

describe('the request log line', () => {
  it('is one line per request, written when it is answered, with what arrival and completion said', async () => {
    const logs = captureLogs('demo');
    const app = await buildApp(logs.logger);
    const response = await app.inject({
      method: 'POST',
      url: '/demo/items/7?color=red',
      headers: { 'x-request-id': 'edge-42', authorization: SECRETS.authorization, cookie: SECRETS.cookie },
      payload: { password: SECRETS.password },
    });
    expect(response.statusCode).toBe(201);
    const requestLines = logs.lines().filter((line) => line.reqId !== undefined);
    expect(requestLines).toEqual([
      {
        level: 30,
        time: expect.any(String),
        service: 'demo',
        reqId: 'edge-42',
        req: { method: 'POST', url: '/demo/items/7?color=red', host: 'localhost:80', remoteAddress: '127.0.0.1' },
        res: { statusCode: 201 },
        route: '/demo/items/:id',
        responseTime: expect.any(Number),
        msg: 'request completed',
      },
    ]);
    expect(requestLines[0]!.responseTime).toBeGreaterThan(0);
    for (const secret of Object.values(SECRETS)) expect(logs.text()).not.toContain(secret);
  });

  it('censors secrets a client put in the query string, keeping the rest of the URL', async () => {
    const logs = captureLogs('demo');
    const app = await buildApp(logs.logger);
    await app.inject({ method: 'POST', url: `/demo/items/7?password=${SECRETS.password}&color=red`, payload: {} });
    const [line] = logs.lines().filter((entry) => entry.msg === 'request completed');
    expect((line!.req as { url: string }).url).toBe('/demo/items/7?password=[redacted]&color=red');
    expect(logs.text()).not.toContain(SECRETS.password);
  });

  it('keeps the error handler line of a 5xx, with its error, beside the request line', async () => {
    const logs = captureLogs('demo');
    const app = await buildApp(logs.logger);
    expect((await app.inject({ url: '/demo/broken' })).statusCode).toBe(500);
    const [failed, completed, ...others] = logs.lines().filter((line) => line.reqId !== undefined);
    expect(failed).toMatchObject({
      level: 50,
      msg: 'request failed',
      err: { type: 'Error', message: 'the disk is on fire', stack: expect.any(String) },
    });
    expect(completed).toMatchObject({
      level: 30,
      msg: 'request completed',
      req: { method: 'GET', url: '/demo/broken' },
      res: { statusCode: 500 },
      route: '/demo/broken',
    });
    expect(others).toEqual([]);
  });

  it('has no route for an unknown path, and still the url', async () => {
    const logs = captureLogs('demo');
    const app = await buildApp(logs.logger);
    expect((await app.inject({ url: '/demo/nowhere?x=1' })).statusCode).toBe(404);
    const [line, ...others] = logs.lines().filter((entry) => entry.reqId !== undefined);
    expect(line).toMatchObject({ msg: 'request completed', req: { method: 'GET', url: '/demo/nowhere?x=1' }, res: { statusCode: 404 } });
    expect(line).not.toHaveProperty('route');
    expect(others).toEqual([]);
  });

  it('is one Elastic Common Schema line with LOG_FORMAT ecs: method, url, client, status, route', async () => {
    const logs = captureLogs('demo', 'info', 'ecs');
    const app = await buildApp(logs.logger);
    await app.inject({
      method: 'POST',
      url: '/demo/items/7?color=red',
      headers: { 'x-request-id': 'edge-43', authorization: SECRETS.authorization, cookie: SECRETS.cookie },
      payload: { password: SECRETS.password },
    });
    const requestLines = logs.lines().filter((line) => line.reqId !== undefined);
    expect(requestLines).toHaveLength(1);
    expect(requestLines[0]).toMatchObject({
      'log.level': 'info',
      message: 'request completed',
      'service.name': 'demo',
      reqId: 'edge-43',
      http: { version: '1.1', request: { method: 'POST', id: 'edge-43' }, response: { status_code: 201 } },
      url: { original: '/demo/items/7?color=red', path: '/demo/items/7', query: 'color=red' },
      client: { address: '127.0.0.1', ip: '127.0.0.1' },
      route: '/demo/items/:id',
      responseTime: expect.any(Number),
    });
    expect(requestLines[0]).not.toHaveProperty('req');
    expect(requestLines[0]).not.toHaveProperty('res');
    // The status and the body's size, none of the answer's headers.
    expect((requestLines[0]!.http as { response: unknown }).response).toEqual({ status_code: 201, body: { bytes: expect.any(Number) } });
    for (const secret of Object.values(SECRETS)) expect(logs.text()).not.toContain(secret);
  });

  it.each(['json', 'ecs'] as const)('is written, as 499, for a request whose client hung up before its answer (%s)', async (format) => {
    const logs = captureLogs('demo', 'info', format);
    const app = createFastify({ logger: logs.logger, bodyLimitBytes: 1024, requestTimeoutMs: 5000 });
    onTestFinished(() => app.close());
    await app.register(platformPlugin, { service: 'demo', version: '1.2.3', description: 'a demo' });
    // The caller's deadline (cart's PAYMENT_TIMEOUT_MS, the ingress' read timeout) ran out first.
    await hangUpBeforeAnswer(app, '/demo/slow', { headers: { 'x-request-id': 'edge-44' } });
    const lines = logs.lines().filter((line) => line.reqId === 'edge-44');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject(
      format === 'json'
        ? { msg: 'request unanswered', res: { statusCode: 499 }, route: '/demo/slow', req: { method: 'POST' } }
        : { message: 'request unanswered', http: { response: { status_code: 499 }, request: { method: 'POST' } }, route: '/demo/slow' },
    );
    // Timed until the client went away, not until the handler's answer a second later.
    expect(lines[0]!.responseTime).toBeLessThan(ANSWER_AFTER_HANG_UP_MS);
  });

  it('keeps the error of a 5xx in ECS too', async () => {
    const logs = captureLogs('demo', 'info', 'ecs');
    const app = await buildApp(logs.logger);
    await app.inject({ url: '/demo/broken' });
    const [failed, completed] = logs.lines().filter((line) => line.reqId !== undefined);
    expect(failed).toMatchObject({
      'log.level': 'error',
      message: 'request failed',
      error: { type: 'Error', message: 'the disk is on fire' },
    });
    expect(completed).toMatchObject({
      message: 'request completed',
      http: { response: { status_code: 500 } },
      url: { path: '/demo/broken' },
    });
  });

  it('says "request errored", with the error, when the response itself failed (Fastify\'s wording)', () => {
    const logs = captureLogs('demo');
    const log = logs.logger.child({ reqId: 'r-9' });
    // What the controller reads of a request and a reply whose socket broke mid-answer.
    const request = { log, method: 'GET', url: '/demo/big', routeOptions: { url: '/demo/big' } } as unknown as FastifyRequest;
    const reply = { log, statusCode: 200, elapsedTime: 3.5 } as unknown as FastifyReply;
    new RequestLogController().requestCompleted(new Error('write EPIPE'), request, reply);
    expect(logs.lines()).toEqual([
      expect.objectContaining({
        level: 50,
        reqId: 'r-9',
        msg: 'request errored',
        route: '/demo/big',
        responseTime: 3.5,
        err: expect.objectContaining({ message: 'write EPIPE' }),
      }),
    ]);
  });
});
