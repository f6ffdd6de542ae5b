import { createServer, type IncomingHttpHeaders } from 'node:http';
import { once } from 'node:events';
import helmet from 'helmet';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createFastify, platformPlugin } from '../src/index.ts';
import { API_HELMET_OPTIONS, API_SECURITY_HEADERS } from '../src/security-headers.ts';
import { captureLogs } from '@myshop/testing';

/** What helmet's own middleware sends, on a bare Node server: the reference. */
async function helmetReference(): Promise<IncomingHttpHeaders> {
  const middleware = helmet(API_HELMET_OPTIONS);
  const server = createServer((request, response) => middleware(request, response, () => response.end()));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as { port: number };
  const response = await fetch(`http://127.0.0.1:${port}/`);
  return Object.fromEntries(response.headers);
}

describe('the API security headers', () => {
  it("are exactly helmet's for the API options", async () => {
    const reference = await helmetReference();
    const fromHelmet = Object.fromEntries(
      Object.entries(reference).filter(
        ([name]) => !['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding'].includes(name),
      ),
    );
    expect(API_SECURITY_HEADERS).toEqual(fromHelmet);
    expect(Object.isFrozen(API_SECURITY_HEADERS)).toBe(true);
  });

  it('are on every answer: a route, a 404, a validation error and the router’s own 414', async () => {
    const app = createFastify({ logger: captureLogs('demo').logger, bodyLimitBytes: 1024, requestTimeoutMs: 5000 });
    onTestFinished(() => app.close());
    await app.register(platformPlugin, { service: 'demo', version: '1.0.0', description: 'a demo' });
    app.get('/demo/things/:id', { schema: { params: { type: 'object', properties: { id: { type: 'integer' } } } } }, async () => ({
      ok: true,
    }));
    await app.ready();
    for (const url of ['/demo/things/1', '/demo/nothing', '/demo/things/abc', `/demo/things/${'1'.repeat(200)}`]) {
      const response = await app.inject({ url });
      expect(response.headers, url).toMatchObject(API_SECURITY_HEADERS);
      expect(response.headers['cache-control'], url).toBe('no-store');
    }
  });
});
