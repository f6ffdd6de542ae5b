import { captureLogs } from '@myshop/testing';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createFastify, platformPlugin } from '../src/index.ts';

async function buildApp() {
  const app = createFastify({ logger: captureLogs('demo').logger, bodyLimitBytes: 1024, requestTimeoutMs: 5000 });
  onTestFinished(() => app.close());
  await app.register(platformPlugin, { service: 'demo', version: '1.2.3', description: 'a demo' });
  app.post('/demo/names', { schema: { body: { type: 'object' } } }, async (request) => ({ received: request.body }));
  // A route that takes no body, as DELETE /cart.
  app.delete('/demo/names', async (request) => ({ received: request.body ?? null }));
  return app;
}

const post = (app: Awaited<ReturnType<typeof buildApp>>, contentType: string, payload: string | Buffer) =>
  app.inject({ method: 'POST', url: '/demo/names', headers: { 'content-type': contentType }, payload });

// "Renée" in Latin-1: the é is the one byte 0xE9, which is not UTF-8 on its own.
const latin1Body = Buffer.concat([Buffer.from('{"name":"Ren'), Buffer.from([0xe9]), Buffer.from('e"}')]);

describe('takeJsonBodiesOnly', () => {
  it('takes UTF-8 JSON, with or without its charset, a byte order mark included', async () => {
    const app = await buildApp();
    for (const contentType of [
      'application/json',
      'application/json; charset=utf-8',
      'Application/JSON; Charset="UTF-8"',
      'application/json;charset=utf8',
    ]) {
      const response = await post(app, contentType, Buffer.from('{"name":"Renée 🛒"}'));
      expect(response.statusCode, contentType).toBe(200);
      expect(response.json(), contentType).toEqual({ received: { name: 'Renée 🛒' } });
    }
    const withBom = await post(app, 'application/json', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"name":"Ada"}')]));
    expect(withBom.json()).toEqual({ received: { name: 'Ada' } });
  });

  it('refuses bytes that are not UTF-8 with a 400, instead of storing U+FFFD in their place', async () => {
    const app = await buildApp();
    const response = await post(app, 'application/json', latin1Body);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      statusCode: 400,
      code: 'FST_ERR_CTP_INVALID_JSON_BODY',
      error: 'Bad Request',
      message: 'Body is not valid JSON: its bytes are not UTF-8',
    });
    // UTF-16 is not taken either, nor a character cut in the middle.
    expect((await post(app, 'application/json', Buffer.from('\ufeff{"name":"Ada"}', 'utf16le'))).statusCode).toBe(400);
    expect((await post(app, 'application/json', Buffer.from('{"name":"🛒"}').subarray(0, 11))).statusCode).toBe(400);
  });

  it('refuses a JSON body that declares another charset with a 415', async () => {
    const app = await buildApp();
    for (const charset of ['iso-8859-1', 'utf-16', 'windows-1252']) {
      const response = await post(app, `application/json; charset=${charset}`, Buffer.from('{"name":"Ada"}'));
      expect(response.statusCode, charset).toBe(415);
      expect(response.json(), charset).toMatchObject({
        statusCode: 415,
        code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE',
        error: 'Unsupported Media Type',
      });
    }
  });

  it('refuses text with a 415, like every other media type the routes do not take', async () => {
    const app = await buildApp();
    const response = await post(app, 'text/plain', '{"name":"Ada"}');
    expect(response.statusCode).toBe(415);
    expect(response.json()).toMatchObject({ code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE' });
  });

  it('keeps Fastify’s own JSON rules: an empty body, bad JSON and a __proto__ key are 400s', async () => {
    const app = await buildApp();
    expect((await post(app, 'application/json', '')).json()).toMatchObject({ statusCode: 400, code: 'FST_ERR_CTP_EMPTY_JSON_BODY' });
    expect((await post(app, 'application/json', '{"name":')).json()).toMatchObject({
      statusCode: 400,
      code: 'FST_ERR_CTP_INVALID_JSON_BODY',
    });
    const poisoned = await post(app, 'application/json', '{"__proto__":{"admin":true}}');
    expect(poisoned.statusCode).toBe(400);
  });

  it('reads nothing sent as JSON as no body on a route that takes none, as many clients send every request', async () => {
    const app = await buildApp();
    const remove = (payload: string) =>
      app.inject({ method: 'DELETE', url: '/demo/names', headers: { 'content-type': 'application/json' }, payload });
    const empty = await remove('');
    expect(empty.statusCode).toBe(200);
    expect(empty.json()).toEqual({ received: null });
    // What a body it is sent says is still judged: malformed JSON is 400 there too.
    expect((await remove('{"name":')).json()).toMatchObject({ statusCode: 400, code: 'FST_ERR_CTP_INVALID_JSON_BODY' });
  });
});
