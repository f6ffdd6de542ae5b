import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { answersOf, captureLogs, exchangeLikeAProxy, pieces } from '@myshop/testing';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createFastify, platformPlugin } from '../src/index.ts';

const COMPRESSED = {
  statusCode: 415,
  code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE',
  error: 'Unsupported Media Type',
  message: 'Unsupported Media Type: a body is taken uncompressed (no Content-Encoding, or identity)',
};

/** A route taking JSON, and one taking a form through a parser of its own, as the token endpoint does. */
async function buildApp() {
  const app = createFastify({ logger: captureLogs('demo', 'warn').logger, bodyLimitBytes: 65_536, requestTimeoutMs: 10_000 });
  onTestFinished(() => app.close());
  await app.register(platformPlugin, {
    service: 'demo',
    version: '1.2.3',
    description: 'a demo',
    config: { CORS_ORIGINS: '', OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: 0, OVERLOAD_MAX_HEAP_USED_BYTES: 0 },
  });
  const received: unknown[] = [];
  app.post('/demo/names', async (request) => (received.push(request.body), { received: request.body }));
  await app.register(async (forms) => {
    forms.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) =>
      done(null, Object.fromEntries(new URLSearchParams(body as string))),
    );
    forms.post('/demo/forms', async (request) => (received.push(request.body), { received: request.body }));
  });
  return { app, received };
}

describe('refuseCompressedBodies', () => {
  it('serves a GET with a Content-Encoding on a route that also takes a POST: a GET has no body to refuse', async () => {
    const { app } = await buildApp();
    app.route({ method: ['GET', 'POST'], url: '/demo/both', handler: async () => ({ ok: true }) });
    const response = await app.inject({ method: 'GET', url: '/demo/both', headers: { 'content-encoding': 'gzip' } });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ ok: true });
  });

  it('refuses a compressed JSON body with a 415 naming the encoding, instead of a 400 for its bytes', async () => {
    const { app, received } = await buildApp();
    for (const encoding of ['gzip', 'GZIP', 'br', 'deflate, gzip']) {
      const response = await app.inject({
        method: 'POST',
        url: '/demo/names',
        headers: { 'content-type': 'application/json', 'content-encoding': encoding },
        payload: gzipSync('{"name":"Ada"}'),
      });
      expect(response.statusCode, encoding).toBe(415);
      expect(response.json(), encoding).toEqual(COMPRESSED);
      // RFC 9110 §15.5.16: a 415 for a content coding says which codings would have been taken.
      expect(response.headers['accept-encoding'], encoding).toBe('identity');
    }
    const identity = await app.inject({
      method: 'POST',
      url: '/demo/names',
      headers: { 'content-type': 'application/json', 'content-encoding': ' Identity ' },
      payload: '{"name":"Ada"}',
    });
    expect(identity.json()).toEqual({ received: { name: 'Ada' } });
    expect(received).toEqual([{ name: 'Ada' }]);
  });

  it('refuses it whatever parser the media type has: a form declared gzip is never read as a form', async () => {
    const { app, received } = await buildApp();
    const form = 'grant_type=client_credentials&scope=read';
    for (const payload of [gzipSync(form), Buffer.from(form)]) {
      const response = await app.inject({
        method: 'POST',
        url: '/demo/forms',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-encoding': 'gzip' },
        payload,
      });
      expect(response.statusCode).toBe(415);
      expect(response.json()).toEqual(COMPRESSED);
    }
    expect(received).toEqual([]);
    const plain = await app.inject({
      method: 'POST',
      url: '/demo/forms',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: form,
    });
    expect(plain.json()).toEqual({ received: { grant_type: 'client_credentials', scope: 'read' } });
  });

  it('reads the compressed body before its 415, so a proxy still sending it never sees a reset', async () => {
    const { app } = await buildApp();
    await app.listen({ host: '127.0.0.1', port: 0 });
    const port = (app.server.address() as AddressInfo).port;
    // Stored, not compressed (level 0): 50 KB, within the body limit, so only its encoding is refused.
    const body = gzipSync(JSON.stringify({ name: 'x'.repeat(50_000) }), { level: 0 });
    const head = `POST /demo/names HTTP/1.1\r\nHost: myshop.com\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: ${body.length}\r\n\r\n`;
    for (let attempt = 0; attempt < 4; attempt += 1) {
      const { received, error } = await exchangeLikeAProxy(port, [head, ...pieces(body, 4096)]);
      expect(error, received.slice(0, 200)).toBeUndefined();
      expect(answersOf(received)[0]?.json).toEqual(COMPRESSED);
    }
  });
});
