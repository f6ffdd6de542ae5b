import Fastify from 'fastify';
import { describe, expect, it, onTestFinished } from 'vitest';
import { httpClient } from '../src/index.ts';

/** An app that tells who it was talking to: the peer of the TCP socket the request came on. */
async function echoApp() {
  const app = Fastify();
  onTestFinished(() => app.close());
  app.post('/echo', async (request) => ({ peer: request.socket.remoteAddress, body: request.body, host: request.headers.host }));
  await app.ready();
  return app;
}

describe('httpClient', () => {
  it('makes the app listen on 127.0.0.1 and sends real HTTP over a socket', async () => {
    const app = await echoApp();
    expect(app.server.listening).toBe(false);
    const api = await httpClient(app);
    const address = app.server.address();
    expect(address).toMatchObject({ address: '127.0.0.1', port: expect.any(Number) });
    const response = await api.post('/echo').send({ a: 1 });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    const port = typeof address === 'object' && address ? address.port : 0;
    expect(response.body).toEqual({ peer: '127.0.0.1', body: { a: 1 }, host: `127.0.0.1:${port}` });
  });

  it('listens once per app, however many clients are asked for, even at once', async () => {
    const app = await echoApp();
    const [first, second] = await Promise.all([httpClient(app), httpClient(app)]);
    const port = (app.server.address() as { port: number }).port;
    const third = await httpClient(app);
    expect((app.server.address() as { port: number }).port).toBe(port);
    for (const api of [first, second, third]) expect((await api.post('/echo').send({})).status).toBe(200);
  });

  it('leaves the server to the app: closing the app stops it listening', async () => {
    const app = await echoApp();
    await httpClient(app);
    await app.close();
    expect(app.server.listening).toBe(false);
  });
});
