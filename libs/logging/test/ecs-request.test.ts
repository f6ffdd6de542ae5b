import { describe, expect, it } from 'vitest';
import { ecsRequestFields } from '../src/ecs-request.ts';

/** The parts of a Fastify request the conversion reads (the real one: @myshop/server's request-log tests). */
const fastifyRequest = (url: string) => ({
  raw: { httpVersion: '1.1', headers: { authorization: 'Bearer secret' } },
  id: 'r-1',
  method: 'GET',
  url,
  ip: '10.0.0.7',
});

describe('ecsRequestFields', () => {
  it('writes a Fastify request as ECS http, url and client fields, and no headers', () => {
    const fields = ecsRequestFields({ req: fastifyRequest('/cart/products?limit=5'), route: '/cart/products', responseTime: 1.5 });
    expect(fields).toEqual({
      http: { version: '1.1', request: { method: 'GET', id: 'r-1' } },
      url: { original: '/cart/products?limit=5', path: '/cart/products', query: 'limit=5' },
      client: { address: '10.0.0.7', ip: '10.0.0.7' },
      route: '/cart/products',
      responseTime: 1.5,
    });
    expect(JSON.stringify(fields)).not.toContain('secret');
  });

  it('censors a secret a client put in the query', () => {
    expect(ecsRequestFields({ req: fastifyRequest('/user/login?password=hunter2&x=1') }).url).toEqual({
      original: '/user/login?password=[redacted]&x=1',
      path: '/user/login',
      query: 'password=[redacted]&x=1',
    });
  });

  it('has no query without one', () => {
    expect(ecsRequestFields({ req: fastifyRequest('/livez') }).url).toEqual({ original: '/livez', path: '/livez' });
  });

  it('leaves any other req, and lines without one, to the ECS formatter', () => {
    const plain = { req: { method: 'POST', url: '/x', headers: {} }, other: 1 };
    expect(ecsRequestFields(plain)).toBe(plain);
    const none = { msg: 'hello' };
    expect(ecsRequestFields(none)).toBe(none);
  });
});
