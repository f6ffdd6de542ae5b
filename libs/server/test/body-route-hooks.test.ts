import { captureLogs } from '@myshop/testing';
import Fastify, { type RouteOptions } from 'fastify';
import { describe, expect, it, onTestFinished } from 'vitest';
import { addBodyRouteHook } from '../src/body-route-hooks.ts';
import { createFastify, platformPlugin } from '../src/index.ts';

/** Every route's options as the onRoute hooks registered before this one left them. */
function routesSeen(app: { addHook(name: 'onRoute', hook: (route: RouteOptions) => void): unknown }): Map<string, RouteOptions> {
  const routes = new Map<string, RouteOptions>();
  app.addHook('onRoute', (route) => void routes.set(`${[route.method].flat().join(',')} ${route.url}`, route));
  return routes;
}

describe('addBodyRouteHook', () => {
  it('runs the hook first on routes that take a body, and never on a GET-only route', async () => {
    const app = Fastify({ logger: false });
    onTestFinished(() => app.close());
    const ran: string[] = [];
    addBodyRouteHook(app, 'preValidation', async (request) => void ran.push(`body hook ${request.method}`));
    app.get('/read', async () => ({}));
    app.post('/write', { preValidation: async () => void ran.push('own hook') }, async () => ({}));
    app.route({ method: ['GET', 'PUT'], url: '/both', handler: async () => ({}) });
    await app.ready();

    const runs = async (method: 'GET' | 'HEAD' | 'POST' | 'PUT', url: string) => {
      ran.length = 0;
      const response = await app.inject({ method, url, ...(method === 'POST' || method === 'PUT' ? { payload: {} } : {}) });
      expect(response.statusCode).toBe(200);
      return [...ran];
    };
    expect(await runs('GET', '/read')).toEqual([]);
    expect(await runs('HEAD', '/read')).toEqual([]);
    expect(await runs('POST', '/write')).toEqual(['body hook POST', 'own hook']);
    expect(await runs('PUT', '/both')).toEqual(['body hook PUT']);
    // A route that also takes a body carries the hook for all its methods: the hook tells them apart.
    expect(await runs('GET', '/both')).toEqual(['body hook GET']);
  });

  it('leaves the platform’s GET routes with no preParsing or preValidation hook, and gives each body route one', async () => {
    const app = createFastify({ logger: captureLogs('demo').logger, bodyLimitBytes: 1024, requestTimeoutMs: 5000 });
    onTestFinished(() => app.close());
    await app.register(platformPlugin, { service: 'demo', version: '1.0.0', description: 'a demo' });
    const routes = routesSeen(app);
    app.get('/demo/products', async () => []);
    app.post('/demo/items', async () => ({}));
    await app.ready();

    const read = routes.get('GET /demo/products');
    expect(read).toBeDefined();
    expect(read?.preParsing).toBeUndefined();
    expect(read?.preValidation).toBeUndefined();
    const write = routes.get('POST /demo/items');
    // The oversize body's drain and the compressed body's refusal; the storable text check.
    expect([write?.preParsing ?? []].flat()).toHaveLength(2);
    expect([write?.preValidation ?? []].flat()).toHaveLength(1);
  });
});
