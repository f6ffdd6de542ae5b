import { captureLogs, errorShapeProblems, securityHeaderProblems } from '@myshop/testing';
import { Type } from 'typebox';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createFastify, platformPlugin } from '../src/index.ts';
import { frameworkErrorHandler } from '../src/framework-errors.ts';
import { RequestLogController } from '../src/request-log.ts';

async function buildApp(logs = captureLogs('demo')) {
  const app = createFastify({ logger: logs.logger, bodyLimitBytes: 1024, requestTimeoutMs: 5000 });
  onTestFinished(() => app.close());
  await app.register(platformPlugin, { service: 'demo', version: '1.0.0', description: 'a demo' });
  app.get('/demo/things/:id', { schema: { params: Type.Object({ id: Type.String() }) } }, async () => ({}));
  return app;
}

describe('errors the router answers itself', () => {
  it('answers a path parameter over 100 characters with 414 in the error shape, "URI Too Long"', async () => {
    const app = await buildApp();
    const response = await app.inject({ url: `/demo/things/${'a'.repeat(101)}`, headers: { 'x-request-id': 'req-414' } });
    expect(response.statusCode).toBe(414);
    expect(response.json()).toEqual({
      statusCode: 414,
      code: 'FST_ERR_MAX_PARAM_LENGTH',
      error: 'URI Too Long',
      message: 'A path parameter is longer than 100 characters',
    });
    expect(errorShapeProblems(response)).toEqual([]);
    expect(securityHeaderProblems(response)).toEqual([]);
    expect(response.headers['x-request-id']).toBe('req-414');
  });

  it('takes a path parameter of exactly 100 characters', async () => {
    const app = await buildApp();
    expect((await app.inject({ url: `/demo/things/${'a'.repeat(100)}` })).statusCode).toBe(200);
  });

  it('answers malformed percent-encoding with 400 in the error shape, without echoing the path', async () => {
    const app = await buildApp();
    const response = await app.inject({ url: '/demo/things/%E0%A4%A' });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      statusCode: 400,
      code: 'FST_ERR_BAD_URL',
      error: 'Bad Request',
      message: 'The path holds malformed percent-encoding',
    });
    expect(securityHeaderProblems(response)).toEqual([]);
  });

  it.each([
    ['a path parameter over 100 characters', `/demo/things/${'a'.repeat(101)}`, 414],
    ['malformed percent-encoding', '/demo/things/%zz', 400],
  ])('writes the request line and counts the answer of %s, as of every other request', async (_name, url, status) => {
    const logs = captureLogs('demo');
    const app = await buildApp(logs);

    const response = await app.inject({ url, headers: { 'x-request-id': 'req-router' } });

    expect(response.statusCode).toBe(status);
    const lines = logs.lines().filter((line) => line.reqId === 'req-router');
    expect(lines).toEqual([
      expect.objectContaining({ msg: 'request completed', res: { statusCode: status }, responseTime: expect.any(Number) }),
    ]);
    expect((lines[0]!.req as { url?: string }).url).toBe(url);
    const exposition = await app.metrics.registry.metrics();
    expect(exposition).toContain(
      `http_server_request_duration_seconds_count{service="demo",method="GET",route="unmatched",status_code="${status}"} 1`,
    );
  });

  it('answers any other router error as a fault of ours, without details', async () => {
    const sent: { status?: number; body?: unknown } = {};
    const reply = {
      code(status: number) {
        sent.status = status;
        return this;
      },
      header() {
        return this;
      },
      headers() {
        return this;
      },
      type() {
        return this;
      },
      send(body: unknown) {
        sent.body = body;
        return this;
      },
    };
    const error = Object.assign(new Error('Unexpected error from async constraint'), { code: 'FST_ERR_ASYNC_CONSTRAINT', statusCode: 500 });
    const answerFrameworkError = frameworkErrorHandler(new RequestLogController());
    answerFrameworkError(error as never, { raw: {}, id: 'r-1' } as never, { ...reply, raw: { once: () => undefined } } as never);
    expect(sent).toEqual({
      status: 500,
      body: {
        statusCode: 500,
        code: 'INTERNAL_SERVER_ERROR',
        error: 'Internal Server Error',
        message: 'Something went wrong on our side.',
      },
    });
  });
});
