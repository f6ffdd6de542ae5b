import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/index.ts';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger({ service: 'test', level: 'info', destination }), text: () => lines.join('') };
}

describe('createLogger', () => {
  it('writes JSON lines carrying the service name', () => {
    const { logger, text } = capture();
    logger.info({ orderId: 'o-1' }, 'order paid');
    expect(JSON.parse(text())).toMatchObject({ service: 'test', orderId: 'o-1', msg: 'order paid', level: 30 });
  });

  it('censors credentials, passwords and card data wherever they sit', () => {
    const { logger, text } = capture();
    logger.info({
      req: { headers: { authorization: 'Bearer eyJhbGciOi.secret.token', cookie: 'session=abc123' } },
      body: { email: 'a@b.co', password: 'hunter2-password', card: { number: '4242424242424242', cvc: '123' } },
      password: 'top-level-password',
      payment: { card: { number: '4000000000000002', cvc: '987' } },
      result: { accessToken: 'eyJ.access.token' },
    });
    const line = text();
    for (const secret of ['eyJhbGciOi.secret.token', 'abc123', 'hunter2-password', '4242424242424242', 'top-level-password', '4000000000000002', '987', 'eyJ.access.token']) {
      expect(line).not.toContain(secret);
    }
    expect(line).toContain('[redacted]');
    expect(JSON.parse(line).body.email).toBe('a@b.co');
  });
});
