import { Writable } from 'node:stream';
import { context, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, type LogFormat } from '../src/index.ts';

function capture(format?: LogFormat) {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return {
    logger: createLogger({ service: 'cart', level: 'info', format, destination }),
    lines: () =>
      lines
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    text: () => lines.join(''),
  };
}

const spanContext = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED };
const inSpan = <T>(work: () => T): T => context.with(trace.setSpanContext(context.active(), spanContext), work);

describe('trace context on log lines', () => {
  const manager = new AsyncLocalStorageContextManager();
  beforeAll(() => {
    manager.enable();
    context.setGlobalContextManager(manager);
  });
  afterAll(() => context.disable());

  it('adds trace_id, span_id and trace_flags to every line logged while a span is active', async () => {
    const { logger, lines } = capture();
    await inSpan(async () => {
      logger.info('inside');
      await new Promise((resolve) => setImmediate(resolve));
      logger.child({ reqId: 'r-1' }).warn('still inside, after an await');
    });
    logger.info('outside');
    const [inside, later, outside] = lines();
    expect(inside).toMatchObject({ msg: 'inside', trace_id: spanContext.traceId, span_id: spanContext.spanId, trace_flags: '01' });
    expect(later).toMatchObject({ reqId: 'r-1', trace_id: spanContext.traceId });
    expect(outside).not.toHaveProperty('trace_id');
    expect(outside).not.toHaveProperty('span_id');
  });

  it('writes Elastic Common Schema with LOG_FORMAT ecs, the ids as trace.id and span.id', () => {
    const { logger, lines } = capture('ecs');
    inSpan(() => logger.info({ orderId: 'o-1' }, 'order paid'));
    logger.error({ err: new Error('boom') }, 'failed');
    const [paid, failed] = lines();
    expect(paid).toMatchObject({
      'log.level': 'info',
      message: 'order paid',
      'ecs.version': expect.any(String),
      'service.name': 'cart',
      'trace.id': spanContext.traceId,
      'span.id': spanContext.spanId,
      orderId: 'o-1',
    });
    expect(paid!['@timestamp']).toEqual(expect.any(String));
    expect(failed).toMatchObject({ 'log.level': 'error', error: { type: 'Error', message: 'boom' } });
    expect(Object.keys(failed!)).not.toContain('trace.id');
  });

  it('censors the same secrets in ECS lines', () => {
    const { logger, text } = capture('ecs');
    logger.info({
      req: { method: 'POST', url: '/cart/checkout', headers: { authorization: 'Bearer eyJ.secret.token', cookie: 'sid=abc' } },
      body: { card: { number: '4242424242424242', cvc: '123' }, password: 'hunter2-password' },
    });
    const line = text();
    for (const secret of ['eyJ.secret.token', 'sid=abc', '4242424242424242', 'hunter2-password']) expect(line).not.toContain(secret);
    expect(line).toContain('[redacted]');
  });

  it("keeps an answer's status and size in an ECS line, not its headers", () => {
    const { logger, lines } = capture('ecs');
    const headers = { 'content-type': 'application/json', 'content-length': '4246', 'x-frame-options': 'DENY' };
    logger.info({ res: { statusCode: 200, getHeaders: () => headers } }, 'request completed');
    const [line] = lines();
    expect(line).toMatchObject({ http: { response: { status_code: 200, body: { bytes: 4246 } } } });
    expect((line!.http as { response: object }).response).not.toHaveProperty('headers');
  });

  it("writes an error's causes and code in an ECS line, as the JSON line does: why the database was unavailable", () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.7:5432'), { code: 'ECONNREFUSED' });
    const error = Object.assign(new Error('The database is unavailable, try again shortly.', { cause: refused }), {
      code: 'SERVICE_UNAVAILABLE',
    });
    const json = capture();
    json.logger.error({ err: error }, 'request failed');
    const ecs = capture('ecs');
    ecs.logger.error({ err: error }, 'request failed');
    const [jsonLine] = json.lines() as Array<{ err: { message: string; code: string } }>;
    const [ecsLine] = ecs.lines() as Array<{ error: { type: string; message: string; stack_trace: string; code: string } }>;
    expect(jsonLine!.err).toMatchObject({ message: expect.stringContaining('ECONNREFUSED'), code: 'SERVICE_UNAVAILABLE' });
    expect(ecsLine!.error).toMatchObject({ type: 'Error', message: jsonLine!.err.message, code: 'SERVICE_UNAVAILABLE' });
    expect(ecsLine!.error.stack_trace).toContain('caused by: Error: connect ECONNREFUSED 10.0.0.7:5432');
  });

  it("censors the headers the ECS formatter copies from a raw request, and a child logger's bindings", () => {
    const { logger, lines } = capture('ecs');
    const raw = {
      httpVersion: '1.1',
      method: 'GET',
      url: '/cart',
      headers: { authorization: 'Bearer eyJ.raw.token', cookie: 'sid=raw', accept: 'application/json' },
    };
    logger.child({ reqId: 'r-1', token: 'eyJ.binding.token' }).info({ req: raw }, 'raw request');
    const [line] = lines();
    expect(line).toMatchObject({
      reqId: 'r-1',
      token: '[redacted]',
      http: { request: { method: 'GET', headers: { authorization: '[redacted]', cookie: '[redacted]', accept: 'application/json' } } },
    });
  });
});
