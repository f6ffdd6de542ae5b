import Fastify from 'fastify';
import { describe, expect, it, onTestFinished } from 'vitest';
import { defineError, errorHandlerPlugin, formatSchemaErrors, ServiceUnavailableError, withRetryAfter } from '../src/index.ts';

const WidgetGoneError = defineError('TEST_WIDGET_GONE', 'Widget %s is gone', 410);
const VaultDownError = defineError('TEST_VAULT_DOWN', 'The vault is down', 503);
const BusyError = defineError('TEST_BUSY', 'Still working on it', 409);
const SheddingError = defineError('TEST_SHEDDING', 'Too busy, try again shortly', 503, { selfProtection: true });
const LastStatusError = defineError('TEST_LAST_STATUS', 'The last status there is', 599);

async function buildApp() {
  const app = Fastify({
    logger: false,
    schemaErrorFormatter: formatSchemaErrors,
    ajv: { customOptions: { removeAdditional: false } },
  });
  onTestFinished(() => app.close());
  await app.register(errorHandlerPlugin);
  app.post(
    '/widgets',
    {
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['name', 'size'],
          properties: {
            name: { type: 'string', pattern: '^(?![\\s\\u200B-\\u200D\\u2060\\uFEFF]*$)[^\\p{Cc}\\p{Cn}\\p{Co}]+$' },
            size: { type: 'integer', maximum: 10 },
            unit: { type: 'string', pattern: '^[a-z]{2}$' },
          },
        },
      },
    },
    async () => ({ ok: true }),
  );
  app.get('/gone', async () => {
    throw new WidgetGoneError('w-1');
  });
  app.get('/crash', async () => {
    throw new Error('SELECT * FROM secrets failed at /srv/app.js:42');
  });
  app.get('/busy', async () => {
    throw withRetryAfter(new BusyError(), 7);
  });
  app.get('/vault', async () => {
    throw new VaultDownError();
  });
  app.get('/status/:code', async (request) => {
    const code = Number((request.params as { code: string }).code);
    if (code === 599) throw new LastStatusError();
    throw Object.assign(new Error('moved to /srv/internal'), { statusCode: code });
  });
  app.get('/database', async () => {
    throw new ServiceUnavailableError('The database is unavailable, try again shortly.');
  });
  return app;
}

describe('error responses', () => {
  it('answers a validation failure with 400 naming the field', async () => {
    const app = await buildApp();
    const response = await app.inject({ method: 'POST', url: '/widgets', payload: { name: 'a', size: 11 } });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      statusCode: 400,
      code: 'FST_ERR_VALIDATION',
      error: 'Bad Request',
      message: 'body/size must be <= 10',
    });
  });

  it('rejects an unknown body field by name instead of stripping it', async () => {
    const app = await buildApp();
    const response = await app.inject({ method: 'POST', url: '/widgets', payload: { name: 'a', size: 1, userId: 'x' } });
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toBe('body/userId is not allowed');
  });

  it('says what a short pattern wants, and names the field alone for a long one', async () => {
    const app = await buildApp();
    const short = await app.inject({ method: 'POST', url: '/widgets', payload: { name: 'a', size: 1, unit: 'CM' } });
    expect(short.json().message).toBe('body/unit must match pattern "^[a-z]{2}$"');
    const long = await app.inject({ method: 'POST', url: '/widgets', payload: { name: '\u200B', size: 1 } });
    expect(long.statusCode).toBe(400);
    expect(long.json().message).toBe('body/name holds characters or a form it does not accept');
  });

  it('names a missing field', async () => {
    const app = await buildApp();
    const response = await app.inject({ method: 'POST', url: '/widgets', payload: { name: 'a' } });
    expect(response.json().message).toBe('body/size is required');
  });

  it('keeps the code and message of a declared client error', async () => {
    const app = await buildApp();
    const response = await app.inject({ method: 'GET', url: '/gone' });
    expect(response.statusCode).toBe(410);
    expect(response.json()).toEqual({ statusCode: 410, code: 'TEST_WIDGET_GONE', error: 'Gone', message: 'Widget w-1 is gone' });
  });

  it('hides the details of an unexpected error behind a generic 500', async () => {
    const app = await buildApp();
    const response = await app.inject({ method: 'GET', url: '/crash' });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({
      statusCode: 500,
      code: 'INTERNAL_SERVER_ERROR',
      error: 'Internal Server Error',
      message: 'Something went wrong on our side.',
    });
    expect(response.body).not.toContain('SELECT');
  });

  it('keeps any error status from 400 to 599, and answers any other status an error carries as a 500', async () => {
    const app = await buildApp();
    const last = await app.inject({ method: 'GET', url: '/status/599' });
    expect(last.statusCode).toBe(599);
    expect(last.json()).toMatchObject({ statusCode: 599, code: 'TEST_LAST_STATUS' });
    // A redirect's or a made-up status is no answer to an error: the client must not follow it.
    for (const code of [302, 600]) {
      const response = await app.inject({ method: 'GET', url: `/status/${code}` });
      expect(response.statusCode, String(code)).toBe(500);
      expect(response.json()).toMatchObject({ statusCode: 500, code: 'INTERNAL_SERVER_ERROR' });
      expect(response.body).not.toContain('/srv/internal');
    }
  });

  it('shows a declared 503 with Retry-After, so clients know to come back', async () => {
    const app = await buildApp();
    for (const url of ['/vault', '/database']) {
      const response = await app.inject({ method: 'GET', url });
      expect(response.statusCode).toBe(503);
      expect(response.headers['retry-after']).toBe('1');
      expect(response.json().error).toBe('Service Unavailable');
    }
  });

  it('logs every 5xx with its stack but the refusals a service makes to protect itself', async () => {
    const lines: Array<{ level: number; msg: string; err?: { type: string; stack: string } }> = [];
    const app = Fastify({ logger: { level: 'info', stream: { write: (line: string) => void lines.push(JSON.parse(line)) } } });
    onTestFinished(() => app.close());
    await app.register(errorHandlerPlugin);
    app.get('/vault', async () => {
      throw new VaultDownError();
    });
    app.get('/shedding', async () => {
      throw withRetryAfter(new SheddingError(), 2);
    });
    const failed = () => lines.filter((line) => line.msg === 'request failed');

    const shed = await app.inject({ url: '/shedding' });
    expect(shed.statusCode).toBe(503);
    expect(shed.headers['retry-after']).toBe('2');
    expect(shed.json()).toEqual({
      statusCode: 503,
      code: 'TEST_SHEDDING',
      error: 'Service Unavailable',
      message: 'Too busy, try again shortly',
    });
    expect(failed()).toEqual([]);
    // Fastify's own line of the answer still records it.
    expect(lines.some((line) => line.msg === 'request completed')).toBe(true);

    await app.inject({ url: '/vault' });
    expect(failed()).toHaveLength(1);
    expect(failed()[0]).toMatchObject({ level: 50, err: { type: 'FastifyError', stack: expect.stringContaining('The vault is down') } });
  });

  it('tells when to try again for an error given a Retry-After', async () => {
    const app = await buildApp();
    const response = await app.inject({ url: '/busy' });
    expect(response.statusCode).toBe(409);
    expect(response.headers['retry-after']).toBe('7');
    expect(response.json()).toEqual({ statusCode: 409, code: 'TEST_BUSY', error: 'Conflict', message: 'Still working on it' });
  });

  it('answers unknown routes with the same JSON shape', async () => {
    const app = await buildApp();
    const response = await app.inject({ method: 'GET', url: '/nope?x=1' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ statusCode: 404, code: 'NOT_FOUND', error: 'Not Found', message: 'Route GET /nope not found' });
  });

  it("passes Fastify's own client errors through: malformed JSON, wrong media type", async () => {
    const app = await buildApp();
    const malformed = await app.inject({
      method: 'POST',
      url: '/widgets',
      headers: { 'content-type': 'application/json' },
      payload: '{"name":',
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json()).toMatchObject({ statusCode: 400, code: 'FST_ERR_CTP_INVALID_JSON_BODY', error: 'Bad Request' });
    const wrongType = await app.inject({ method: 'POST', url: '/widgets', headers: { 'content-type': 'text/xml' }, payload: '<a/>' });
    expect(wrongType.statusCode).toBe(415);
    expect(wrongType.json()).toMatchObject({ statusCode: 415, code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE' });
  });
});
