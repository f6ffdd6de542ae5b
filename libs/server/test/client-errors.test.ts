import { connect, type AddressInfo } from 'node:net';
import { captureLogs, errorShapeProblems, sendRawHttp } from '@myshop/testing';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createFastify } from '../src/index.ts';
import { API_SECURITY_HEADERS } from '../src/security-headers.ts';

async function listening(requestTimeoutMs = 5000) {
  const logs = captureLogs('demo', 'debug');
  const app = createFastify({ logger: logs.logger, bodyLimitBytes: 1024, requestTimeoutMs });
  onTestFinished(() => app.close());
  app.post('/demo/things', async () => ({ ok: true }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return { send: (raw: string) => sendRawHttp(port, raw), logs, port };
}

/** The answer to a request that is not valid HTTP/1.1: 400 in the error shape, the API headers, the connection closed. */
function expectRefusedAsMalformed(answer: Awaited<ReturnType<typeof sendRawHttp>>): void {
  expect(answer.statusCode).toBe(400);
  expect(errorShapeProblems(answer)).toEqual([]);
  expect(JSON.parse(answer.body)).toEqual({
    statusCode: 400,
    code: 'MALFORMED_REQUEST',
    error: 'Bad Request',
    message: 'The request is not valid HTTP/1.1',
  });
  expect(answer.headers.connection).toBe('close');
  for (const [name, value] of Object.entries(API_SECURITY_HEADERS)) expect(answer.headers[name]).toBe(value);
}

describe('requests Node’s HTTP parser refuses', () => {
  it('answers a malformed Content-Length with 400 in the error shape, the API headers, and closes', async () => {
    const { send } = await listening();
    const answer = await send('POST /demo/things HTTP/1.1\r\nhost: x\r\ncontent-length: abc\r\n\r\n');
    expectRefusedAsMalformed(answer);
    expect(answer.headers['cache-control']).toBe('no-store');
  });

  it('answers a header line with no colon, and Content-Length with Transfer-Encoding, the same way', async () => {
    const { send } = await listening();
    for (const raw of [
      'GET /demo/things HTTP/1.1\r\nhost: x\r\nno colon here\r\n\r\n',
      'POST /demo/things HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n',
    ]) {
      const answer = await send(raw);
      expect(answer.statusCode).toBe(400);
      expect(JSON.parse(answer.body)).toMatchObject({ statusCode: 400, code: 'MALFORMED_REQUEST' });
    }
  });

  it('answers headers past the size limit with 431 in the error shape', async () => {
    const { send } = await listening();
    const answer = await send(`GET /demo/things HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(answer.statusCode).toBe(431);
    expect(JSON.parse(answer.body)).toEqual({
      statusCode: 431,
      code: 'HEADERS_TOO_LARGE',
      error: 'Request Header Fields Too Large',
      message: "The request's headers are larger than the server accepts",
    });
  });

  it('answers a request target past the size limit with 414, as RFC 9112 §3 requires, not 431', async () => {
    const { send } = await listening();
    const tooLong = {
      statusCode: 414,
      code: 'REQUEST_LINE_TOO_LONG',
      error: 'URI Too Long',
      message: 'The request line is longer than the server accepts',
    };
    for (const target of [`/demo/things?q=${'a'.repeat(20_000)}`, `/demo/${'a'.repeat(20_000)}`, `http://x/demo/${'a'.repeat(20_000)}`]) {
      const answer = await send(`GET ${target} HTTP/1.1\r\nhost: x\r\n\r\n`);
      expect(answer.statusCode).toBe(414);
      expect(errorShapeProblems(answer)).toEqual([]);
      expect(JSON.parse(answer.body)).toEqual(tooLong);
    }
    // A header value that holds a space and a slash is still a header: 431.
    const header = await send(`GET /demo/things HTTP/1.1\r\nhost: x\r\nx-big: a /${'a'.repeat(20_000)}\r\n\r\n`);
    expect(header.statusCode).toBe(431);
  });

  it('cuts a request whose body stalls at the request timeout, with 408 in the error shape', async () => {
    const { send } = await listening(1000);
    const started = Date.now();
    const answer = await send('POST /demo/things HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"a"');
    // Node's defaults held such a request for 60–90 s; its checks now run every second at most.
    expect(Date.now() - started).toBeLessThan(4000);
    expect(JSON.parse(answer.body)).toEqual({
      statusCode: 408,
      code: 'REQUEST_TIMEOUT',
      error: 'Request Timeout',
      message: 'The request was not received in time',
    });
  });

  it('ends an answer already under way at the timeout without a second status line in it', async () => {
    const logs = captureLogs('demo', 'debug');
    const app = createFastify({ logger: logs.logger, bodyLimitBytes: 1024, requestTimeoutMs: 1000 });
    onTestFinished(() => app.close());
    // The body stays a stream the handler does not read: the handler runs before it is in.
    app.addContentTypeParser('application/octet-stream', (_request, payload, done) => done(null, payload));
    app.post('/demo/early', (_request, reply) => {
      // Answers before the body is in, and is still writing when the request times out.
      reply.hijack();
      reply.raw.writeHead(200, { 'content-type': 'text/plain' });
      reply.raw.write('started');
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as AddressInfo;
    const answer = await sendRawHttp(
      port,
      'POST /demo/early HTTP/1.1\r\nhost: x\r\ncontent-type: application/octet-stream\r\ncontent-length: 100\r\n\r\nab',
    );
    expect(answer.statusCode).toBe(200);
    expect(answer.body).not.toContain('408');
  });

  it('answers a CONNECT, which Node hands to no route, with 405 in the error shape, and lives through a reset one', async () => {
    const { send, port } = await listening();
    const answer = await send('CONNECT myshop.com:443 HTTP/1.1\r\nhost: myshop.com:443\r\n\r\n');
    expect(answer.statusCode).toBe(405);
    expect(errorShapeProblems(answer)).toEqual([]);
    expect(JSON.parse(answer.body)).toMatchObject({ statusCode: 405, code: 'METHOD_NOT_ALLOWED', error: 'Method Not Allowed' });
    for (const [name, value] of Object.entries(API_SECURITY_HEADERS)) expect(answer.headers[name]).toBe(value);
    // A client that sends a CONNECT and resets at once: the server goes on answering.
    const reset = connect(port, '127.0.0.1', () => {
      reset.write('CONNECT x:443 HTTP/1.1\r\nhost: x\r\n\r\n');
      reset.resetAndDestroy();
    });
    await new Promise((resolve) => reset.on('close', resolve));
    expect(
      (
        await send(
          'POST /demo/things HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}',
        )
      ).statusCode,
    ).toBe(200);
  });

  it('answers a method it does not know with 501 in the error shape, as RFC 9110 §9.1 asks, and closes', async () => {
    const { send } = await listening();
    // A token the parser has no method for: a well-formed request for something not implemented.
    for (const method of ['FOO', 'get', 'PATCHX']) {
      const answer = await send(`${method} /demo/things HTTP/1.1\r\nhost: x\r\n\r\n`);
      expect(answer.statusCode).toBe(501);
      expect(errorShapeProblems(answer)).toEqual([]);
      expect(JSON.parse(answer.body)).toEqual({
        statusCode: 501,
        code: 'METHOD_NOT_IMPLEMENTED',
        error: 'Not Implemented',
        message: 'This method is not implemented',
      });
      expect(answer.headers.connection).toBe('close');
    }
  });

  it('still answers a request line that is no method at all with 400', async () => {
    const { send } = await listening();
    for (const raw of ['G(T /demo/things HTTP/1.1\r\nhost: x\r\n\r\n', '\u0001\u0002 / HTTP/1.1\r\n\r\n', 'FOO\r\n\r\n']) {
      expectRefusedAsMalformed(await send(raw));
    }
  });

  it('answers an HTTP/1.1 request without Host with 400 in the error shape, not Node’s empty one, and closes', async () => {
    const { send } = await listening();
    const answer = await send('GET /demo/things HTTP/1.1\r\n\r\n');
    expectRefusedAsMalformed(answer);
  });

  it('serves an HTTP/1.0 request without Host: that version need not name one', async () => {
    const { send } = await listening();
    const answer = await send('POST /demo/things HTTP/1.0\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}');
    expect(answer.statusCode).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ ok: true });
  });

  it('answers a request with two Host lines with 400 in the error shape, not as if the first were the one, and closes', async () => {
    const { send } = await listening();
    // RFC 9112 §3.2: the same 400 as for no Host at all; which host the client meant is unknown.
    for (const hosts of ['host: myshop.com\r\nhost: evil.example', 'host: x\r\nHost: x']) {
      const answer = await send(
        `POST /demo/things HTTP/1.1\r\n${hosts}\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}`,
      );
      expectRefusedAsMalformed(answer);
    }
    expectRefusedAsMalformed(
      await send(
        'POST /demo/things HTTP/1.0\r\nhost: a\r\nhost: b\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}',
      ),
    );
  });

  it('serves a request with an expectation it does not know as if it had none, not with Node’s bodiless 417', async () => {
    const { send } = await listening();
    const answer = await send(
      'POST /demo/things HTTP/1.1\r\nhost: x\r\nexpect: something-else\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}',
    );
    expect(answer.statusCode).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ ok: true });
  });

  it('logs the parser’s code, never the bytes it refused (a token among them)', async () => {
    const { send, logs } = await listening();
    await send('GET /demo/things HTTP/1.1\r\nauthorization: Bearer secret-token-123\r\nno colon here\r\n\r\n');
    expect(logs.lines().some((line) => line.msg === 'client error' && typeof line.clientError === 'string')).toBe(true);
    expect(logs.text()).not.toContain('secret-token-123');
    // Nor as a Buffer's JSON (the parser's error holds them as `rawPacket`): bytes are the token too.
    expect(logs.text()).not.toContain([...Buffer.from('secret-token-123')].join(','));
  });
});
