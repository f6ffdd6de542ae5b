import { errorHandlerPlugin } from '@myshop/errors';
import Fastify from 'fastify';
import { describe, expect, it, onTestFinished } from 'vitest';
import { storableTextPlugin, unstorableTextAt } from '../src/index.ts';

async function buildApp() {
  const app = Fastify({ logger: false });
  onTestFinished(() => app.close());
  await app.register(errorHandlerPlugin);
  await app.register(storableTextPlugin);
  app.post('/things', async (request) => ({ received: request.body }));
  await app.ready();
  return app;
}

describe('storableTextPlugin', () => {
  it('refuses a NUL anywhere in a JSON body with 400 naming the field', async () => {
    const app = await buildApp();
    const response = await app.inject({ method: 'POST', url: '/things', payload: { name: 'Ada', tags: ['ok', 'a\u0000b'] } });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      statusCode: 400,
      code: 'FST_ERR_VALIDATION',
      error: 'Bad Request',
      message: 'body/tags/1 contains a character that is not allowed (NUL or an unpaired surrogate)',
    });
  });

  it('refuses unpaired surrogates, in values and in keys, and keeps paired ones (emoji)', async () => {
    const app = await buildApp();
    for (const payload of ['{"name":"\\ud800"}', '{"name":"x\\udfff"}', '{"\\ud83d":1}']) {
      const response = await app.inject({ method: 'POST', url: '/things', headers: { 'content-type': 'application/json' }, payload });
      expect(response.statusCode, payload).toBe(400);
    }
    const emoji = await app.inject({ method: 'POST', url: '/things', payload: { name: 'cart 🛒', ключ: 'é' } });
    expect(emoji.statusCode).toBe(200);
    expect(emoji.json()).toEqual({ received: { name: 'cart 🛒', ключ: 'é' } });
  });

  it('lets bodies without strings, and no body at all, through', async () => {
    const app = await buildApp();
    expect((await app.inject({ method: 'POST', url: '/things', payload: { n: 1, list: [true, null] } })).statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url: '/things' })).statusCode).toBe(200);
  });

  it('names the path of the first bad string', () => {
    expect(unstorableTextAt({ a: { b: [1, 'fine', '\u0000'] } })).toBe('body/a/b/2');
    expect(unstorableTextAt('plain \u0000 text')).toBe('body');
    expect(unstorableTextAt({ fine: 'yes' })).toBeUndefined();
  });
});
