import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { requestIdFor } from '../src/index.ts';

const request = (id?: string) => ({ headers: id === undefined ? {} : { 'x-request-id': id } }) as IncomingMessage;

describe('requestIdFor', () => {
  it("keeps the caller's request id so one id follows a request across services", () => {
    expect(requestIdFor(request('gateway-7f3a.1'))).toBe('gateway-7f3a.1');
  });

  it('makes a UUID when there is none', () => {
    expect(requestIdFor(request())).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('replaces an id that could forge log structure or flood the logs', () => {
    expect(requestIdFor(request('a"b\nc'))).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestIdFor(request('x'.repeat(129)))).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('replaces an id that holds a card number or a token: it is on every line of the request, here and downstream', () => {
    for (const secret of ['4242424242424242', '4242-4242-4242-4242', 'pan:4242424242424242', 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiIxIn0']) {
      expect(requestIdFor(request(secret))).toMatch(/^[0-9a-f-]{36}$/);
    }
    // Digits inside a longer id are no card number: a UUID of digits only, an order number.
    expect(requestIdFor(request('12345678-1234-1234-1234-123456789012'))).toBe('12345678-1234-1234-1234-123456789012');
    expect(requestIdFor(request('order-123456'))).toBe('order-123456');
  });

  it('keeps a UUID whose last groups are all digits: about one random UUID in 1,700, a gateway’s id or a service’s own', () => {
    // 8131-324571095776 is 16 digits no letter touches, but they are the id's groups: replacing it
    // would part this service's log lines from the gateway's and the caller's.
    for (const id of [
      '64705bcb-3315-468e-8131-324571095776',
      '64705BCB-3315-468E-8131-324571095776',
      'req-64705bcb-3315-468e-8131-324571095776',
    ]) {
      expect(requestIdFor(request(id))).toBe(id);
    }
    // Beside a UUID, a card number is still one.
    expect(requestIdFor(request('64705bcb-3315-468e-8131-324571095776-4242424242424242'))).toMatch(/^[0-9a-f-]{36}$/);
  });
});
