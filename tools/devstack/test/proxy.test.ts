import { connect } from 'node:net';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { errorShapeProblems, sendRawHttp } from '@myshop/testing';
import Fastify from 'fastify';
import { Agent, request } from 'undici';
import { describe, expect, it, onTestFinished } from 'vitest';
import { Endpoints } from '../src/endpoints.ts';
import { createProxy, type ProxyOptions } from '../src/proxy.ts';

/** A replica stand-in: ready or not, echoing what reached it. */
async function upstream(name: string, ready = true) {
  const app = Fastify();
  app.get('/readyz', async (_request, reply) => reply.code(ready ? 200 : 503).send({}));
  // A replica that dies mid-request, and one that takes longer than the gateway waits.
  app.post('/svc/hang-up', (request) => void request.raw.socket.destroy());
  app.get('/svc/stall', async (request) => {
    await sleep(Number((request.query as { ms?: string }).ms ?? 1000));
    return {};
  });
  app.all('/*', async (request) => ({
    name,
    method: request.method,
    url: request.url,
    host: request.headers.host,
    requestId: request.headers['x-request-id'],
    body: request.body ?? null,
  }));
  const origin = await app.listen({ host: '127.0.0.1', port: 0 });
  onTestFinished(() => app.close());
  return { app, origin };
}

/**
 * A client as curl is with a large body: it sends `Expect: 100-continue`, the body once told to go
 * on, and reads the final answer to its end on a connection it keeps open.
 */
function sendExpectingContinue(
  origin: string,
  head: string,
  body: Buffer,
): Promise<{ statusCode: number; body: string; continued: boolean }> {
  return new Promise((resolve, reject) => {
    let received = '';
    let sent = false;
    const socket = connect(Number(new URL(origin).port), '127.0.0.1', () => socket.write(head));
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (!sent && received.startsWith('HTTP/1.1 100 ')) {
        sent = true;
        socket.write(body);
      }
      const final = received.replace(/^HTTP\/1\.1 100 [^\r]*\r\n\r\n/, '');
      const split = final.indexOf('\r\n\r\n');
      if (split < 0 || final.startsWith('HTTP/1.1 100 ')) return;
      const length = Number(/^content-length: *(\d+)/im.exec(final.slice(0, split))?.[1] ?? 0);
      if (final.length - split - 4 < length) return;
      socket.end();
      resolve({ statusCode: Number(final.split(' ')[1]), body: final.slice(split + 4), continued: sent });
    });
  });
}

async function proxyTo(endpoints: Endpoints, options: Omit<ProxyOptions, 'resolve'> = {}) {
  const proxy = createProxy({
    ...options,
    resolve: (request) => (request.url.startsWith('/svc') ? { endpoints } : { notFound: 'no route' }),
  });
  const origin = await proxy.listen({ host: '127.0.0.1', port: 0 });
  onTestFinished(async () => {
    endpoints.close();
    await proxy.close();
  });
  return origin;
}

/** The gateway in front of one ready replica, `one`: its origin, its port, and the replica. */
async function proxyToOneReplica(options: Omit<ProxyOptions, 'resolve'> = {}) {
  const one = await upstream('one');
  const endpoints = new Endpoints('svc', 60_000);
  endpoints.add('one', one.origin);
  await endpoints.waitUntilReady('one', 2000);
  const origin = await proxyTo(endpoints, options);
  return { one, origin, port: Number(new URL(origin).port) };
}

describe('createProxy', () => {
  it('answers a client whose body stalls with 408 in the error shape, as nginx does, instead of waiting for ever', async () => {
    const endpoints = new Endpoints('svc', 50);
    const origin = await proxyTo(endpoints, { clientTimeoutMs: 1000 });
    const started = Date.now();
    const answer = await sendRawHttp(
      Number(new URL(origin).port),
      'POST /svc/items HTTP/1.1\r\nhost: myshop.com\r\ncontent-type: application/json\r\ncontent-length: 10\r\n\r\n{"a":1}',
    );
    expect(Date.now() - started).toBeLessThan(4000);
    expect(answer.statusCode).toBe(408);
    expect(errorShapeProblems(answer)).toEqual([]);
  });

  it('balances over ready replicas only, passing path, host, body and a request id through', async () => {
    const one = await upstream('one');
    const two = await upstream('two');
    const sick = await upstream('sick', false);
    const endpoints = new Endpoints('svc', 50);
    endpoints.add('one', one.origin);
    endpoints.add('two', two.origin);
    endpoints.add('sick', sick.origin);
    for (const name of ['one', 'two']) await endpoints.waitUntilReady(name, 2000);
    const origin = await proxyTo(endpoints);

    const seen = new Set<string>();
    for (let i = 0; i < 6; i += 1) {
      // undici's request(), not fetch(): fetch may not set Host.
      const response = await request(`${origin}/svc/items?x=${i}`, {
        method: 'POST',
        headers: { host: 'myshop.com', 'content-type': 'application/json' },
        body: JSON.stringify({ i }),
      });
      const body = (await response.body.json()) as { name: string; url: string; host: string; requestId: string; body: unknown };
      seen.add(body.name);
      expect(body).toMatchObject({ url: `/svc/items?x=${i}`, host: 'myshop.com', body: { i }, requestId: expect.any(String) });
    }
    expect([...seen].sort()).toEqual(['one', 'two']);
  });

  it('tries another replica when one refuses the connection, even for a POST', async () => {
    const alive = await upstream('alive');
    const endpoints = new Endpoints('svc', 60_000);
    endpoints.add('alive', alive.origin);
    await endpoints.waitUntilReady('alive', 2000);
    const doomed = await upstream('doomed');
    endpoints.add('doomed', doomed.origin);
    await endpoints.waitUntilReady('doomed', 2000);
    await doomed.app.close();
    const origin = await proxyTo(endpoints);
    for (let i = 0; i < 4; i += 1) {
      const response = await fetch(`${origin}/svc/pay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(response.status).toBe(200);
      expect(((await response.json()) as { name: string }).name).toBe('alive');
    }
    expect(endpoints.ready().map((endpoint) => endpoint.name)).toEqual(['alive']);
  });

  it('answers 503 with Retry-After when no replica is ready, and 404 where nothing is routed', async () => {
    const endpoints = new Endpoints('svc', 60_000);
    const origin = await proxyTo(endpoints);
    const unavailable = await fetch(`${origin}/svc/x`);
    expect(unavailable.status).toBe(503);
    expect(unavailable.headers.get('retry-after')).toBe('1');
    expect(await unavailable.json()).toEqual({
      statusCode: 503,
      code: 'NO_READY_UPSTREAM',
      error: 'Service Unavailable',
      message: 'No ready replica of svc',
    });
    const notFound = await fetch(`${origin}/elsewhere`);
    expect(notFound.status).toBe(404);
    expect(await notFound.json()).toMatchObject({ statusCode: 404, code: 'NOT_FOUND', message: 'no route' });
  });

  it('closes soon after the answers in flight end, though their clients keep their connections open', async () => {
    // A client that keeps its connection (a replica's HTTP client, calling another service through
    // its stand-in) must not hold the stop of the stack for Node's keep-alive timeout.
    const one = await upstream('one');
    const endpoints = new Endpoints('svc', 60_000);
    endpoints.add('one', one.origin);
    await endpoints.waitUntilReady('one', 2000);
    const proxy = createProxy({ resolve: () => ({ endpoints }) });
    const origin = await proxy.listen({ host: '127.0.0.1', port: 0 });
    onTestFinished(() => endpoints.close());
    const keeping = new Agent({ keepAliveTimeout: 600_000, keepAliveMaxTimeout: 600_000 });
    onTestFinished(() => keeping.destroy());
    const inFlight = request(`${origin}/svc/stall`, { dispatcher: keeping });
    await sleep(200);
    const started = Date.now();
    await proxy.close();
    const answer = await inFlight;
    expect(answer.statusCode).toBe(200);
    await answer.body.dump();
    // The stall is 1 s: the close waits for it, and for nothing after it.
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("passes a replica's 503 on to the client once, as nginx does, instead of asking the replica again", async () => {
    // nginx's proxy_next_upstream is `error timeout`: a 503 is an answer, the client's to retry.
    // @fastify/reply-from would send a GET that got a 503 with Retry-After up to 10 times more.
    let asked = 0;
    const app = Fastify();
    app.get('/readyz', async () => ({}));
    app.get('/svc/busy', async (_request, reply) => {
      asked += 1;
      return reply
        .code(503)
        .header('retry-after', '1')
        .send({ statusCode: 503, code: 'SERVICE_UNAVAILABLE', error: 'Service Unavailable', message: 'x' });
    });
    const replica = await app.listen({ host: '127.0.0.1', port: 0 });
    onTestFinished(() => app.close());
    const endpoints = new Endpoints('svc', 60_000);
    endpoints.add('busy', replica);
    await endpoints.waitUntilReady('busy', 2000);
    const origin = await proxyTo(endpoints);
    const response = await fetch(`${origin}/svc/busy`);
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('1');
    await response.body?.cancel();
    await sleep(100);
    expect(asked).toBe(1);
  });

  it('passes the query string on as the client sent it, malformed escapes included', async () => {
    const { origin } = await proxyToOneReplica();
    // nginx decodes no query string: whether `%` or `%ff%fe` means anything is the service's call.
    for (const url of [
      '/svc/products?cursor=%',
      '/svc/products?cursor=%ff%fe',
      '/svc/products?limit=%&x=%2',
      '/svc/me?%',
      '/svc/a%20b?q=%25',
    ]) {
      const response = await request(`${origin}${url}`);
      expect(response.statusCode, url).toBe(200);
      expect(((await response.body.json()) as { url: string }).url).toBe(url);
    }
  });

  it('passes the path on as the client sent it, dot segments and encoded ones included, as nginx does', async () => {
    const { port } = await proxyToOneReplica();
    // nginx's proxy_pass without a URI sends the request-target unchanged: whether `/svc/./x` or
    // `/svc/%2e%2e/x` names anything is the service's call (its 404), not a 400 of the edge's.
    for (const url of ['/svc/./x', '/svc/../svc/x', '/svc/x/..%2f', '/svc/%2e%2e/other?q=%2e', '/svc//x', '/svc/a%2Fb']) {
      const answer = await sendRawHttp(port, `GET ${url} HTTP/1.1\r\nhost: myshop.com\r\nconnection: close\r\n\r\n`);
      expect(answer.statusCode, url).toBe(200);
      expect((JSON.parse(answer.body) as { url: string }).url, url).toBe(url);
    }
  });

  it('routes an absolute-form request by the host its target names and forwards its path alone, as nginx does', async () => {
    const one = await upstream('one');
    const endpoints = new Endpoints('svc', 60_000);
    endpoints.add('one', one.origin);
    await endpoints.waitUntilReady('one', 2000);
    const proxy = createProxy({
      resolve: (_request, host) => (host === 'myshop.com' ? { endpoints } : { notFound: `no route for ${host}` }),
    });
    const port = Number(new URL(await proxy.listen({ host: '127.0.0.1', port: 0 })).port);
    onTestFinished(async () => {
      endpoints.close();
      await proxy.close();
    });
    // RFC 9112 §3.2.2: the target's host stands for Host; nginx still passes the client's Host on.
    const routed = await sendRawHttp(port, 'GET http://myshop.com/svc/x?q=1 HTTP/1.1\r\nhost: other.example\r\nconnection: close\r\n\r\n');
    expect(routed.statusCode, routed.body).toBe(200);
    expect(JSON.parse(routed.body)).toMatchObject({ url: '/svc/x?q=1', host: 'other.example' });
    // Without a Host (HTTP/1.0), the service is told the host the target named.
    const hostless = await sendRawHttp(port, 'GET HTTP://myshop.com:8080/svc/x HTTP/1.0\r\n\r\n');
    expect(hostless.statusCode, hostless.body).toBe(200);
    expect(JSON.parse(hostless.body)).toMatchObject({ url: '/svc/x', host: 'myshop.com' });
    const elsewhere = await sendRawHttp(port, 'GET http://other.example/svc/x HTTP/1.1\r\nhost: myshop.com\r\nconnection: close\r\n\r\n');
    expect(JSON.parse(elsewhere.body)).toMatchObject({ statusCode: 404, message: 'no route for other.example' });
    // A target nginx does not read, or whose host is no name: its 400, and the connection closes.
    for (const target of ['*', 'http://user@myshop.com/svc/x', 'http://my_shop.com/svc/x', 'http://myshop..com/svc/x']) {
      const refused = await sendRawHttp(port, `OPTIONS ${target} HTTP/1.1\r\nhost: myshop.com\r\n\r\n`);
      expect(errorShapeProblems(refused), target).toEqual([]);
      expect(JSON.parse(refused.body), target).toMatchObject({ statusCode: 400, code: 'MALFORMED_REQUEST' });
      expect(refused.headers.connection, target).toBe('close');
    }
  });

  it('forwards a request that asked to be told to go on, whatever its method', async () => {
    const { origin } = await proxyToOneReplica();
    for (const method of ['POST', 'GET']) {
      const head = `${method} /svc/items HTTP/1.1\r\nhost: myshop.com\r\ncontent-type: application/json\r\ncontent-length: 7\r\nexpect: 100-continue\r\n\r\n`;
      const answer = await sendExpectingContinue(origin, head, Buffer.from('{"i":1}'));
      expect(answer.statusCode, method).toBe(200);
      expect(answer.continued, method).toBe(true);
      // A GET body is dropped, as the services (Fastify) never read one.
      expect(JSON.parse(answer.body), method).toMatchObject({ name: 'one', method, body: method === 'POST' ? { i: 1 } : null });
    }
  });

  it("closes the client's connection when the client asks, whatever the replica's connection to the gateway does", async () => {
    const { port } = await proxyToOneReplica();
    // sendRawHttp reads until the gateway closes: a connection held open would time the test out.
    for (const head of ['GET /svc/x HTTP/1.1\r\nhost: myshop.com\r\nconnection: close', 'GET /svc/x HTTP/1.0\r\nhost: myshop.com']) {
      const answer = await sendRawHttp(port, `${head}\r\n\r\n`);
      expect(answer.statusCode, head).toBe(200);
      expect(answer.headers.connection, head).toBe('close');
      expect(answer.headers['keep-alive'], head).toBeUndefined();
    }
  });

  it('forwards a request with Keep-Alive or Upgrade, as nginx does, where undici refused to send it (502)', async () => {
    const { port } = await proxyToOneReplica();
    for (const header of ['keep-alive: timeout=5', 'upgrade: websocket', 'connection: upgrade\r\nupgrade: websocket']) {
      const answer = await sendRawHttp(port, `GET /svc/x HTTP/1.0\r\nhost: myshop.com\r\n${header}\r\n\r\n`);
      expect(answer.statusCode, `${header}: ${answer.body}`).toBe(200);
      expect(JSON.parse(answer.body), header).toMatchObject({ name: 'one', url: '/svc/x' });
    }
  });

  it('serves a request with an expectation it does not know, as nginx and the services do, instead of a bare 417', async () => {
    const { port } = await proxyToOneReplica();
    const answer = await sendRawHttp(
      port,
      'POST /svc/items HTTP/1.1\r\nhost: myshop.com\r\ncontent-type: application/json\r\ncontent-length: 7\r\nexpect: foo\r\nconnection: close\r\n\r\n{"i":1}',
    );
    expect(answer.statusCode).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ name: 'one', method: 'POST', body: { i: 1 } });
  });

  it('passes invalid JSON through untouched so the service judges it', async () => {
    const { origin } = await proxyToOneReplica();
    const response = await fetch(`${origin}/svc/x`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"broken":',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ statusCode: 400, code: 'FST_ERR_CTP_INVALID_JSON_BODY' });
  });

  it('passes an empty body on as empty, for the service to judge as it would straight', async () => {
    const { origin, one } = await proxyToOneReplica();
    const direct = await fetch(`${one.origin}/svc/x`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '' });
    const response = await fetch(`${origin}/svc/x`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '' });
    expect(direct.status).toBe(400);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ statusCode: 400, code: 'FST_ERR_CTP_EMPTY_JSON_BODY' });
  });
});

describe("the gateway's own error answers", () => {
  /** One answer of the gateway, as the response checks of the services' hostile tests take it. */
  async function answer(url: string, init: { method?: string; body?: string | Buffer | Readable } = {}) {
    const response = await request(url, { method: 'GET', ...init, headers: { 'content-type': 'application/json' } });
    const body = await response.body.text();
    const shape = { statusCode: response.statusCode, headers: response.headers, body };
    expect(errorShapeProblems(shape), body).toEqual([]);
    return { ...shape, json: JSON.parse(body) as unknown };
  }

  it('have the body of every service error, whatever the gateway could not do', async () => {
    const { origin } = await proxyToOneReplica({ bodyLimit: 64, upstreamTimeoutMs: 200 });

    expect((await answer(`${origin}/elsewhere`)).json).toEqual({
      statusCode: 404,
      code: 'NOT_FOUND',
      error: 'Not Found',
      message: 'no route',
    });
    expect((await answer(`${origin}/svc/x`, { method: 'PROPFIND' })).json).toEqual({
      statusCode: 404,
      code: 'NOT_FOUND',
      error: 'Not Found',
      message: 'No route for PROPFIND /svc/x',
    });
    expect((await answer(`${origin}/svc/x`, { method: 'POST', body: JSON.stringify({ padding: 'x'.repeat(100) }) })).json).toEqual({
      statusCode: 413,
      code: 'FST_ERR_CTP_BODY_TOO_LARGE',
      error: 'Payload Too Large',
      message: 'Request body is too large',
    });
    expect((await answer(`${origin}/svc/hang-up`, { method: 'POST', body: '{}' })).json).toEqual({
      statusCode: 502,
      code: 'BAD_GATEWAY',
      error: 'Bad Gateway',
      message: 'svc did not answer',
    });
    // Far past the gateway's 200 ms, so that a busy machine's late timer still fires first.
    expect((await answer(`${origin}/svc/stall?ms=10000`)).json).toEqual({
      statusCode: 504,
      code: 'UPSTREAM_TIMEOUT',
      error: 'Gateway Timeout',
      message: 'svc did not answer',
    });
  });

  it('have it for what the gateway refuses before any replica is asked', async () => {
    const { origin } = await proxyToOneReplica();
    // A path the router cannot decode: the services' code and words, not the path echoed.
    const badUrl = await answer(`${origin}/svc/products/%zz`);
    expect(badUrl.json).toEqual({
      statusCode: 400,
      code: 'FST_ERR_BAD_URL',
      error: 'Bad Request',
      message: 'The path holds malformed percent-encoding',
    });
    // Bytes Node's HTTP parser refuses: Fastify's default answer has no code.
    const malformed = await sendRawHttp(Number(new URL(origin).port), 'POST /svc/x HTTP/1.1\r\nhost: x\r\ncontent-length: abc\r\n\r\n');
    expect(errorShapeProblems(malformed)).toEqual([]);
    expect(JSON.parse(malformed.body)).toMatchObject({ statusCode: 400, code: 'MALFORMED_REQUEST' });
    // An HTTP/1.1 request that names no host, which nginx refuses with 400 too; Node's own is bare.
    const hostless = await sendRawHttp(Number(new URL(origin).port), 'GET /svc/x HTTP/1.1\r\n\r\n');
    expect(errorShapeProblems(hostless)).toEqual([]);
    expect(JSON.parse(hostless.body)).toMatchObject({ statusCode: 400, code: 'MALFORMED_REQUEST' });
    expect(hostless.headers.connection).toBe('close');
    // Two Host headers: which one names the site is ambiguous, and nginx refuses it with 400.
    const twoHosts = await sendRawHttp(
      Number(new URL(origin).port),
      'GET /svc/x HTTP/1.1\r\nhost: myshop.com\r\nhost: other.com\r\nconnection: close\r\n\r\n',
    );
    expect(errorShapeProblems(twoHosts)).toEqual([]);
    expect(JSON.parse(twoHosts.body)).toMatchObject({ statusCode: 400, code: 'MALFORMED_REQUEST' });
    // Two Authorization headers: Node would forward the first alone; nginx refuses them with 400.
    const twoCredentials = await sendRawHttp(
      Number(new URL(origin).port),
      'GET /svc/x HTTP/1.1\r\nhost: myshop.com\r\nauthorization: Bearer a\r\nAuthorization: Bearer b\r\nconnection: close\r\n\r\n',
    );
    expect(errorShapeProblems(twoCredentials)).toEqual([]);
    expect(JSON.parse(twoCredentials.body)).toMatchObject({
      statusCode: 400,
      code: 'MALFORMED_REQUEST',
      message: 'Send one Authorization header',
    });
    // Lines past ingress-nginx's 8 KiB header buffers, which the edge refuses before any service
    // (Node's own limit, 16 KiB for all headers, would let them through): 414 and 400, as nginx.
    const port = Number(new URL(origin).port);
    const longLine = await sendRawHttp(port, `GET /svc/${'a'.repeat(8200)} HTTP/1.1\r\nhost: myshop.com\r\nconnection: close\r\n\r\n`);
    expect(errorShapeProblems(longLine)).toEqual([]);
    expect(JSON.parse(longLine.body)).toMatchObject({ statusCode: 414, code: 'REQUEST_LINE_TOO_LONG' });
    const longHeader = await sendRawHttp(
      port,
      `GET /svc/x HTTP/1.1\r\nhost: myshop.com\r\ncookie: ${'b'.repeat(9000)}\r\nconnection: close\r\n\r\n`,
    );
    expect(errorShapeProblems(longHeader)).toEqual([]);
    expect(JSON.parse(longHeader.body)).toMatchObject({ statusCode: 400, code: 'HEADER_LINE_TOO_LONG' });
    // Just within the buffer, both are forwarded.
    const withinLine = await sendRawHttp(port, `GET /svc/${'a'.repeat(8170)} HTTP/1.1\r\nhost: myshop.com\r\nconnection: close\r\n\r\n`);
    expect(withinLine.statusCode).toBe(200);
    const withinHeader = await sendRawHttp(
      port,
      `GET /svc/x HTTP/1.1\r\nhost: myshop.com\r\ncookie: ${'b'.repeat(8180)}\r\nconnection: close\r\n\r\n`,
    );
    expect(withinHeader.statusCode).toBe(200);
    // TRACE, for a routed path or not: nginx's 405, the connection closed, where the gateway had no route.
    for (const [path, version] of [
      ['/elsewhere', '1.0'],
      ['/svc/x', '1.1'],
    ]) {
      const trace = await sendRawHttp(port, `TRACE ${path} HTTP/${version}\r\nhost: myshop.com\r\n\r\n`);
      expect(errorShapeProblems(trace), path).toEqual([]);
      expect(JSON.parse(trace.body), path).toEqual({
        statusCode: 405,
        code: 'METHOD_NOT_ALLOWED',
        error: 'Method Not Allowed',
        message: 'TRACE is not served',
      });
      expect(trace.headers.connection, path).toBe('close');
    }
    // A CONNECT, which Node gives no route: refused, as nginx does, rather than dropped.
    const tunnel = await sendRawHttp(Number(new URL(origin).port), 'CONNECT example.com:443 HTTP/1.1\r\nhost: example.com:443\r\n\r\n');
    expect(errorShapeProblems(tunnel)).toEqual([]);
    expect(JSON.parse(tunnel.body)).toMatchObject({ statusCode: 405, code: 'METHOD_NOT_ALLOWED' });
  });

  it('have it for a Host nginx reads no name from, whatever the version, and close the connection', async () => {
    const { port } = await proxyToOneReplica();
    // Empty, a port alone, a dot alone, a slash, two dots in a row, a space: nginx's 400.
    for (const host of ['', ':80', '.', 'a/b', 'myshop..com', 'my shop.com']) {
      for (const version of ['1.0', '1.1']) {
        const answer = await sendRawHttp(port, `GET /svc/x HTTP/${version}\r\nhost: ${host}\r\n\r\n`);
        expect(errorShapeProblems(answer), `${version} ${host}`).toEqual([]);
        expect(JSON.parse(answer.body), `${version} ${host}`).toEqual({
          statusCode: 400,
          code: 'MALFORMED_REQUEST',
          error: 'Bad Request',
          message: 'The Host header names no host',
        });
        expect(answer.headers.connection, `${version} ${host}`).toBe('close');
      }
    }
    // A port nginx does not read, or a trailing dot: the name is still myshop.com.
    for (const host of ['myshop.com:', 'myshop.com:abc', 'MyShop.com.:8080']) {
      const answer = await sendRawHttp(port, `GET /svc/x HTTP/1.1\r\nhost: ${host}\r\nconnection: close\r\n\r\n`);
      expect(answer.statusCode, host).toBe(200);
      expect(JSON.parse(answer.body), host).toMatchObject({ host });
    }
  });

  it('have it for a second line of a header nginx takes once, where Node would join them or keep the first', async () => {
    const { port } = await proxyToOneReplica();
    for (const name of ['If-Match', 'if-none-match', 'If-Modified-Since', 'If-Unmodified-Since', 'If-Range', 'Content-Range', 'Expect']) {
      const answer = await sendRawHttp(port, `GET /svc/x HTTP/1.0\r\nhost: myshop.com\r\n${name}: "a"\r\n${name}: "b"\r\n\r\n`);
      expect(errorShapeProblems(answer), name).toEqual([]);
      expect(JSON.parse(answer.body), name).toMatchObject({
        statusCode: 400,
        code: 'MALFORMED_REQUEST',
        message: expect.stringMatching(/^Send one /),
      });
      expect(answer.headers.connection, name).toBe('close');
    }
    // One line of each, and two of a header nginx joins (Cookie, X-Forwarded-For), go through.
    const once = await sendRawHttp(
      port,
      'GET /svc/x HTTP/1.0\r\nhost: myshop.com\r\nif-none-match: "a", "b"\r\ncookie: a=1\r\ncookie: b=2\r\nx-forwarded-for: 1.2.3.4\r\nx-forwarded-for: 5.6.7.8\r\n\r\n',
    );
    expect(once.statusCode, once.body).toBe(200);
  });

  it('have it for a request line of another version than HTTP/1, as nginx answers it', async () => {
    const { port } = await proxyToOneReplica();
    // HTTP/2.0 is no HTTP/1 request, though Node parses it: nginx's 505 (RFC 9110 §15.6.6).
    const http2 = await sendRawHttp(port, 'GET /svc/x HTTP/2.0\r\nhost: myshop.com\r\n\r\n');
    expect(errorShapeProblems(http2)).toEqual([]);
    expect(JSON.parse(http2.body)).toEqual({
      statusCode: 505,
      code: 'HTTP_VERSION_NOT_SUPPORTED',
      error: 'HTTP Version Not Supported',
      message: 'This server speaks HTTP/1.0 and HTTP/1.1',
    });
    expect(http2.headers.connection).toBe('close');
    // HTTP/0.9 has no headers: a line that says so and sends some is nginx's 400.
    const http09 = await sendRawHttp(port, 'GET /svc/x HTTP/0.9\r\nhost: myshop.com\r\n\r\n');
    expect(errorShapeProblems(http09)).toEqual([]);
    expect(JSON.parse(http09.body)).toMatchObject({ statusCode: 400, code: 'MALFORMED_REQUEST' });
  });

  it('have it for a body the edge cannot pass on as the client framed it', async () => {
    const { origin } = await proxyToOneReplica();
    const port = Number(new URL(origin).port);
    // A transfer coding besides chunked: nginx answers 501 itself, where the gateway forwarded the
    // dechunked bytes, still gzipped, for a service to misread as JSON.
    const gzipped = await sendRawHttp(
      port,
      'POST /svc/x HTTP/1.1\r\nhost: myshop.com\r\ncontent-type: application/json\r\ntransfer-encoding: gzip, chunked\r\n' +
        'connection: close\r\n\r\n2\r\n{}\r\n0\r\n\r\n',
    );
    expect(errorShapeProblems(gzipped)).toEqual([]);
    expect(JSON.parse(gzipped.body)).toMatchObject({ statusCode: 501, code: 'TRANSFER_CODING_NOT_IMPLEMENTED' });
    expect(gzipped.headers.connection).toBe('close');
    // Transfer-Encoding in an HTTP/1.0 request, chunked or not: a framing that version does not
    // have (RFC 9112 §6.1), which nginx refuses with 400 and closes.
    for (const coding of ['chunked', 'gzip, chunked']) {
      const http10 = await sendRawHttp(
        port,
        `POST /svc/x HTTP/1.0\r\nhost: myshop.com\r\ncontent-type: application/json\r\ntransfer-encoding: ${coding}\r\n\r\n` +
          '2\r\n{}\r\n0\r\n\r\n',
      );
      expect(errorShapeProblems(http10), coding).toEqual([]);
      expect(JSON.parse(http10.body), coding).toMatchObject({ statusCode: 400, code: 'MALFORMED_REQUEST' });
      expect(http10.headers.connection, coding).toBe('close');
    }
    // Two Content-Type lines: nginx passes both on and the service refuses them; the gateway,
    // which would pass the first alone, answers as the service would.
    const twoTypes = await sendRawHttp(
      port,
      'POST /svc/x HTTP/1.1\r\nhost: myshop.com\r\ncontent-type: application/json\r\ncontent-type: text/plain\r\n' +
        'content-length: 2\r\nconnection: close\r\n\r\n{}',
    );
    expect(errorShapeProblems(twoTypes)).toEqual([]);
    expect(JSON.parse(twoTypes.body)).toEqual({
      statusCode: 400,
      code: 'MALFORMED_REQUEST',
      error: 'Bad Request',
      message: 'A request has at most one Content-Type',
    });
    // A chunked body alone goes through.
    const chunked = await sendRawHttp(
      port,
      'POST /svc/x HTTP/1.1\r\nhost: myshop.com\r\ncontent-type: application/json\r\ntransfer-encoding: Chunked\r\n' +
        'connection: close\r\n\r\n2\r\n{}\r\n0\r\n\r\n',
    );
    expect(chunked.statusCode).toBe(200);
  });

  it('have it for a body past the limit, whatever the method and however it is sent', async () => {
    // ingress-nginx's default client_max_body_size, against the 4 MB a tester sent with curl.
    const { origin } = await proxyToOneReplica();
    const big = Buffer.alloc(4_000_000, 'a');
    const tooLarge = {
      statusCode: 413,
      code: 'FST_ERR_CTP_BODY_TOO_LARGE',
      error: 'Payload Too Large',
      message: 'Request body is too large',
    };
    for (const method of ['GET', 'POST', 'DELETE', 'OPTIONS']) {
      expect((await answer(`${origin}/svc/x`, { method, body: big })).json, method).toEqual(tooLarge);
      // Chunked: no length declared, the body is counted as it arrives.
      expect(
        (await answer(`${origin}/svc/x`, { method, body: Readable.from([big.subarray(0, 600_000), big.subarray(600_000)]) })).json,
        method,
      ).toEqual(tooLarge);
    }
    const head = await request(`${origin}/svc/x`, { method: 'HEAD', body: big, headers: { 'content-type': 'application/json' } });
    await head.body.dump();
    expect(head.statusCode).toBe(413);
    // As curl sends it: Expect: 100-continue, and the body only if told to go on. As from nginx,
    // the 413 comes instead of the 100: told to go on, the client would write into a closing
    // connection and could read no answer at all.
    for (const method of ['GET', 'POST']) {
      const request = `${method} /svc/products HTTP/1.1\r\nhost: myshop.com\r\ncontent-type: application/json\r\ncontent-length: ${big.length}\r\nexpect: 100-continue\r\n\r\n`;
      const curlLike = await sendExpectingContinue(origin, request, big);
      expect(curlLike.statusCode, method).toBe(413);
      expect(curlLike.continued, method).toBe(false);
      expect(JSON.parse(curlLike.body), method).toEqual(tooLarge);
    }
  });

  it('say when to try again only where trying again can work', async () => {
    const endpoints = new Endpoints('svc', 60_000);
    const origin = await proxyTo(endpoints);
    const unavailable = await answer(`${origin}/svc/x`);
    expect(unavailable.statusCode).toBe(503);
    expect(unavailable.headers['retry-after']).toBe('1');
    expect((await answer(`${origin}/elsewhere`)).headers['retry-after']).toBeUndefined();
  });
});
