import type { FastifyInstance } from 'fastify';
import supertest from 'supertest';

/** supertest bound to one listening app: `api.post('/cart/items').set(headers).send(body)`. */
export type HttpClient = ReturnType<typeof supertest>;

/** One listen per app, shared by concurrent callers (a second `listen()` would throw). */
const listening = new WeakMap<FastifyInstance, Promise<unknown>>();

/**
 * Makes `app` listen on a free port of 127.0.0.1 (the first time; later calls reuse that port)
 * and returns a supertest client for it, so a test sends real HTTP over a socket: the Node HTTP
 * parser, real headers and connections, everything `inject()` goes around. Whoever built the app
 * still closes it (buildTestApp does when the test ends), and closing the app closes its server.
 */
export async function httpClient(app: FastifyInstance): Promise<HttpClient> {
  if (!listening.has(app)) listening.set(app, app.server.listening ? Promise.resolve() : app.listen({ host: '127.0.0.1', port: 0 }));
  await listening.get(app);
  return supertest(app.server);
}
