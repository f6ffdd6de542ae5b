/**
 * The token endpoint's forms have their own, smaller limit (16 KiB) than BODY_LIMIT_BYTES: a form
 * over it, sent as a proxy sends it (the whole body before the answer is read), must get its 413
 * JSON like any other oversize body, never a reset connection (EPIPE/ECONNRESET: the proxy's 502).
 */
import type { AddressInfo } from 'node:net';
import { answersOf, chunked, exchangeLikeAProxy, pieces } from '@myshop/testing';
import { describe, expect, it, onTestFinished } from 'vitest';
import { buildUser } from '../helpers.ts';

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
      const { received, error } = await exchangeLikeAProxy(port, parts, { delayMs: 2 });
      expect(error, received.slice(0, 100)).toBeUndefined();
      const [answer] = answersOf(received);
      expect(answer?.status).toBe(413);
      expect(answer?.json).toMatchObject({ statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE' });
    }
  });
});
