/**
 * The token endpoint's forms have their own, smaller limit (16 KiB) than BODY_LIMIT_BYTES: a form
 * over it, sent as a proxy sends it (the whole body before the answer is read), must get its 413
 * JSON like any other oversize body, never a reset connection (EPIPE/ECONNRESET: the proxy's 502).
 */
import { connect, type AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it, onTestFinished } from 'vitest';
import { buildUser } from '../helpers.ts';

function exchange(port: number, parts: Array<string | Buffer>): Promise<{ received: string; error?: string }> {
  return new Promise((resolve) => {
    // Half-open like a proxy: it keeps sending the body after the server has answered.
    const socket = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    let received = '';
    let error: string | undefined;
    socket.on('data', (chunk) => (received += chunk.toString('latin1')));
    socket.on('error', (failure: NodeJS.ErrnoException) => (error ??= failure.code ?? failure.message));
    socket.on('close', () => resolve({ received, error }));
    socket.on('connect', async () => {
      for (const part of parts) {
        await sleep(2);
        if (socket.destroyed) return;
        socket.write(part, (failure) => {
          if (failure) error ??= (failure as NodeJS.ErrnoException).code ?? failure.message;
        });
      }
      socket.end();
    });
  });
}

const pieces = (data: Buffer, size: number) =>
  Array.from({ length: Math.ceil(data.length / size) }, (_, index) => data.subarray(index * size, (index + 1) * size));
const chunked = (data: Buffer, size: number) => [
  ...pieces(data, size).map((piece) => Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')])),
  Buffer.from('0\r\n\r\n'),
];

describe('POST /user/oauth/token: a form over its 16 KiB limit, within BODY_LIMIT_BYTES', () => {
  it('is read before the 413 goes out, declared or chunked: 413 JSON, no reset', async () => {
    const { app } = await buildUser();
    await app.listen({ host: '127.0.0.1', port: 0 });
    onTestFinished(() => app.close());
    const port = (app.server.address() as AddressInfo).port;
    const form = Buffer.from(`grant_type=client_credentials&audience=payment&scope=${'a'.repeat(40_000)}`);
    const head = (framing: string) =>
      `POST /user/oauth/token HTTP/1.1\r\nHost: myshop.com\r\nContent-Type: application/x-www-form-urlencoded\r\n${framing}\r\n\r\n`;
    for (const parts of [
      [head(`Content-Length: ${form.length}`), ...pieces(form, 4096)],
      [head('Transfer-Encoding: chunked'), ...chunked(form, 4096)],
    ]) {
      const { received, error } = await exchange(port, parts);
      expect(error, received.slice(0, 100)).toBeUndefined();
      expect(received.slice(0, 12)).toBe('HTTP/1.1 413');
      expect(JSON.parse(received.slice(received.indexOf('\r\n\r\n') + 4).replace(/^[0-9a-f]+\r\n|\r\n0\r\n\r\n$/g, ''))).toMatchObject({
        statusCode: 413,
        code: 'FST_ERR_CTP_BODY_TOO_LARGE',
      });
    }
  });
});
