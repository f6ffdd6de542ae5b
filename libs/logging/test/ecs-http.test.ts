import { describe, expect, it } from 'vitest';
import { ecsHttpFields } from '../src/ecs-http.ts';

/** The parts of a Fastify request and reply the conversion reads (the real ones: @myshop/server's request-log tests). */
const fastifyRequest = (url: string) => ({
  raw: { httpVersion: '1.1', headers: { authorization: 'Bearer secret' } },
  id: 'r-1',
  method: 'GET',
  url,
  ip: '10.0.0.7',
});

const fastifyReply = (statusCode: number, headers: Record<string, string>) => ({
  statusCode,
  getHeader: (name: string) => headers[name],
  getHeaders: () => headers,
  raw: {},
});

describe('ecsHttpFields', () => {
  it('writes a Fastify request as ECS http, url and client fields, and no headers', () => {
    const fields = ecsHttpFields({ req: fastifyRequest('/cart/products?limit=5'), route: '/cart/products', responseTime: 1.5 });
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
    expect(ecsHttpFields({ req: fastifyRequest('/user/login?password=hunter2&x=1') }).url).toEqual({
      original: '/user/login?password=[redacted]&x=1',
      path: '/user/login',
      query: 'password=[redacted]&x=1',
    });
  });

  it('has no query without one', () => {
    expect(ecsHttpFields({ req: fastifyRequest('/livez') }).url).toEqual({ original: '/livez', path: '/livez' });
  });

  it('leaves any other req, and lines without one, to the ECS formatter', () => {
    const plain = { req: { method: 'POST', url: '/x', headers: {} }, other: 1 };
    expect(ecsHttpFields(plain)).toBe(plain);
    const none = { msg: 'hello' };
    expect(ecsHttpFields(none)).toBe(none);
  });

  it('writes a Fastify reply as its status and body size, without its headers', () => {
    const reply = fastifyReply(200, { 'content-length': '4246', 'set-cookie': 'session=secret', 'x-frame-options': 'DENY' });
    const fields = ecsHttpFields({ req: fastifyRequest('/cart/products'), res: reply });
    expect(fields.http).toEqual({
      version: '1.1',
      request: { method: 'GET', id: 'r-1' },
      response: { status_code: 200, body: { bytes: 4246 } },
    });
    expect(fields).not.toHaveProperty('res');
    expect(JSON.stringify(fields)).not.toMatch(/secret|DENY/);
  });

  it('has no body size when the reply has no length (a stream)', () => {
    const fields = ecsHttpFields({ req: fastifyRequest('/x'), res: fastifyReply(204, {}) });
    expect((fields.http as { response: unknown }).response).toEqual({ status_code: 204 });
  });

  it('writes the status of a request no answer of which was sent (a status alone, 499)', () => {
    const fields = ecsHttpFields({ req: fastifyRequest('/x'), res: { statusCode: 499 } });
    expect((fields.http as { response: unknown }).response).toEqual({ status_code: 499 });
    expect(fields).not.toHaveProperty('res');
  });

  it('leaves a res with no status to the ECS formatter', () => {
    const other = { finished: true };
    expect(ecsHttpFields({ req: fastifyRequest('/x'), res: other }).res).toBe(other);
  });
});
