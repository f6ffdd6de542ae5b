/**
 * Bodies over the limit, sent over real sockets the way a proxy sends them: the whole body
 * written before the answer is read. The client must read the service's 413 JSON and never see
 * its write fail (EPIPE) or the connection reset (ECONNRESET).
 */
import { connect, type AddressInfo } from 'node:net';
import { answersOf, captureLogs, chunked, exchangeLikeAProxy as exchange, pieces, type ProxyExchange } from '@myshop/testing';
import { Type } from 'typebox';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createFastify, platformPlugin } from '../src/index.ts';

const LIMIT = 65_536;
const KIB = 1024;

async function startApp(): Promise<{ port: number; stored: unknown[] }> {
  const logs = captureLogs('demo', 'warn');
  const app = createFastify({ logger: logs.logger, bodyLimitBytes: LIMIT, requestTimeoutMs: 10_000 });
  onTestFinished(() => app.close());
  // Load shedding off: on a busy machine a lagging event loop would answer 503 before any size is judged.
  await app.register(platformPlugin, {
    service: 'demo',
    version: '1.0.0',
    description: 'a demo',
    config: { CORS_ORIGINS: '', OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: 0, OVERLOAD_MAX_HEAP_USED_BYTES: 0 },
  });
  const stored: unknown[] = [];
  app.post('/demo/notes', { schema: { body: Type.Object({ text: Type.String() }) } }, async (request, reply) => {
    stored.push(request.body);
    return reply.code(201).send({ ok: true });
  });
  // A route that takes more than the server's limit.
  app.post('/demo/long-notes', { bodyLimit: 2 * LIMIT, schema: { body: Type.Object({ text: Type.String() }) } }, async (request, reply) => {
    stored.push(request.body);
    return reply.code(201).send({ ok: true });
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  return { port: (app.server.address() as AddressInfo).port, stored };
}

const body = (bytes: number) => Buffer.from(JSON.stringify({ text: 'x'.repeat(bytes - 11) }));
const head = (headers: string) => `POST /demo/notes HTTP/1.1\r\nHost: myshop.com\r\nContent-Type: application/json\r\n${headers}\r\n`;

function expectTooLarge(result: ProxyExchange): void {
  expect(result.error, result.received.slice(0, 200)).toBeUndefined();
  const [answer] = answersOf(result.received);
  expect(answer?.status).toBe(413);
  expect(answer?.json).toEqual({
    statusCode: 413,
    code: 'FST_ERR_CTP_BODY_TOO_LARGE',
    error: 'Payload Too Large',
    message: expect.any(String),
  });
}

describe('oversizeBodyPlugin: a body over BODY_LIMIT_BYTES', () => {
  it.each([
    ['one byte over the limit', LIMIT + 1],
    ['256 KiB', 256 * KIB],
    ['1 MiB', 1024 * KIB],
  ])('with a declared length, %s, written in full before reading: 413 JSON, no reset, nothing stored', async (_name, bytes) => {
    const { port, stored } = await startApp();
    const data = body(bytes);
    for (let attempt = 0; attempt < 8; attempt += 1) {
      expectTooLarge(await exchange(port, [head(`Content-Length: ${data.length}\r\n`), ...pieces(data, 16 * KIB)]));
    }
    expect(stored).toEqual([]);
  });

  it('chunked, crossing the limit: 413 JSON once the body has ended, no reset, nothing stored', async () => {
    const { port, stored } = await startApp();
    for (const bytes of [LIMIT + 1, 256 * KIB, 1024 * KIB]) {
      expectTooLarge(await exchange(port, [head('Transfer-Encoding: chunked\r\n'), ...chunked(body(bytes), 16 * KIB)]));
    }
    expect(stored).toEqual([]);
  });

  it('from a slow writer (16 KiB every 20 ms): 413 JSON, no reset', async () => {
    const { port } = await startApp();
    const data = body(256 * KIB);
    expectTooLarge(await exchange(port, [head(`Content-Length: ${data.length}\r\n`), ...pieces(data, 16 * KIB)], { delayMs: 20 }));
    expectTooLarge(await exchange(port, [head('Transfer-Encoding: chunked\r\n'), ...chunked(data, 16 * KIB)], { delayMs: 20 }));
  });

  it.each([
    ['128 KiB', 128 * KIB],
    ['exactly the drain cap (1 MiB), still drained', 1024 * KIB],
  ])('keeps the connection usable after a drained refusal of %s: the next request on it is served', async (_name, bytes) => {
    const { port, stored } = await startApp();
    const big = body(bytes);
    const small = Buffer.from(JSON.stringify({ text: 'hello' }));
    const result = await exchange(
      port,
      [head(`Content-Length: ${big.length}\r\n`), big, head(`Content-Length: ${small.length}\r\n`), small],
      { answers: 2 },
    );
    expect(result.error).toBeUndefined();
    expect(answersOf(result.received).map((answer) => answer.status)).toEqual([413, 201]);
    expect(answersOf(result.received)[0]?.headers).not.toContain('connection: close');
    expect(stored).toEqual([{ text: 'hello' }]);
  });

  it('past the drain cap, answers 413 at once and closes: the rest is never read', async () => {
    const { port } = await startApp();
    const socket = connect({ host: '127.0.0.1', port });
    const received = await new Promise<string>((resolve, reject) => {
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString('latin1')));
      socket.on('close', () => resolve(text));
      socket.on('error', () => resolve(text));
      socket.on('connect', () => socket.write(head(`Content-Length: ${64 * 1024 * KIB}\r\n`)));
      setTimeout(() => reject(new Error('no answer without the body')), 5000);
    });
    const [answer] = answersOf(received);
    expect(answer?.status).toBe(413);
    expect(answer?.headers).toContain('connection: close');
  });

  it.each([
    ['one byte over the limit', LIMIT + 1],
    ['4 MiB, past the drain cap', 4 * 1024 * KIB],
  ])('asked to continue (Expect: 100-continue), %s: 413 JSON instead of 100 Continue, and the connection ends', async (_name, bytes) => {
    const { port, stored } = await startApp();
    // The client waits for 100 before sending the body, as curl does past 1 MiB: told to send it
    // only to be refused, it would write into a closing connection and read no answer at all.
    const received = await askToContinue(port, head(`Content-Length: ${bytes}\r\nExpect: 100-continue\r\n`));
    expect(received).not.toContain('100 Continue');
    const [answer] = answersOf(received);
    expect(answer?.status).toBe(413);
    expect(answer?.headers).toContain('connection: close');
    expect(answer?.json).toMatchObject({ statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE', error: 'Payload Too Large' });
    expect(stored).toEqual([]);
  });

  it('asked to continue within the limit: 100 Continue, then the body is served', async () => {
    const { port, stored } = await startApp();
    const data = Buffer.from(JSON.stringify({ text: 'hello' }));
    const received = await askToContinue(port, head(`Content-Length: ${data.length}\r\nExpect: 100-continue\r\n`), data);
    expect(received.startsWith('HTTP/1.1 100 Continue\r\n\r\n')).toBe(true);
    expect(answersOf(received.slice('HTTP/1.1 100 Continue\r\n\r\n'.length))[0]?.status).toBe(201);
    expect(stored).toEqual([{ text: 'hello' }]);
  });

  it('asked to continue at exactly the limit: 100 Continue, then served, and the connection kept', async () => {
    const { port, stored } = await startApp();
    const data = body(LIMIT);
    const received = await askToContinue(port, head(`Content-Length: ${data.length}\r\nExpect: 100-continue\r\n`), data);
    expect(received.startsWith('HTTP/1.1 100 Continue\r\n\r\n')).toBe(true);
    const [answer] = answersOf(received.slice('HTTP/1.1 100 Continue\r\n\r\n'.length));
    expect(answer?.status).toBe(201);
    expect(answer?.headers).not.toContain('connection: close');
    expect(stored).toHaveLength(1);
  });

  it("asked to continue past the server's limit by a route that takes more: 100 Continue, then served", async () => {
    const { port, stored } = await startApp();
    const data = body(LIMIT + 1);
    const longHead = head(`Content-Length: ${data.length}\r\nExpect: 100-continue\r\n`).replace('/demo/notes', '/demo/long-notes');
    const received = await askToContinue(port, longHead, data);
    expect(received.startsWith('HTTP/1.1 100 Continue\r\n\r\n')).toBe(true);
    expect(answersOf(received.slice('HTTP/1.1 100 Continue\r\n\r\n'.length))[0]?.status).toBe(201);
    expect(stored).toHaveLength(1);
  });

  it('within the limit: the body is parsed and stored as before', async () => {
    const { port, stored } = await startApp();
    const data = body(LIMIT);
    const result = await exchange(port, [head(`Content-Length: ${data.length}\r\n`), data]);
    expect(result.error).toBeUndefined();
    expect(answersOf(result.received)[0]?.status).toBe(201);
    const chunkedResult = await exchange(port, [head('Transfer-Encoding: chunked\r\n'), ...chunked(data, 16 * KIB)]);
    expect(answersOf(chunkedResult.received)[0]?.status).toBe(201);
    expect(stored).toHaveLength(2);
  });
});

/**
 * Sends `head` alone and waits, as a client that asked to continue does: `body` goes only after a
 * 100 Continue. Everything received until the server closes (or 3 s pass, or an answer follows
 * the body).
 */
function askToContinue(port: number, head: string, body?: Buffer): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let received = '';
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(received);
    };
    const timer = setTimeout(done, 3000);
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (body && received === 'HTTP/1.1 100 Continue\r\n\r\n') socket.write(body);
      else if (body && /\r\n\r\n[\s\S]*\}$/.test(received.slice(25))) done();
    });
    socket.on('error', done);
    socket.on('close', done);
    socket.on('connect', () => socket.write(head));
  });
}
