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
});
