import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, isUuid } from '../src/cursor.ts';

describe('cursors', () => {
  it('round-trips a position to the millisecond', () => {
    const position = { createdAt: '2030-01-02T03:04:05.678Z', id: '1b4e28ba-2fa1-11d2-883f-0016d3cca427' };

    const cursor = encodeCursor(position);

    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor)).toEqual({ createdAt: new Date(position.createdAt), id: position.id });
  });

  it.each([
    ['garbage', '!!!'],
    ['JSON that is not an array', Buffer.from('"x"').toString('base64url')],
    ['an array of three', Buffer.from('["a","b","c"]').toString('base64url')],
    ['a number for a timestamp', Buffer.from('[1, "1b4e28ba-2fa1-11d2-883f-0016d3cca427"]').toString('base64url')],
    ['a timestamp not in ISO form', Buffer.from('["2030-01-02", "1b4e28ba-2fa1-11d2-883f-0016d3cca427"]').toString('base64url')],
  ])('rejects %s with PAYMENT_INVALID_CURSOR', (_name, cursor) => {
    expect(() => decodeCursor(cursor)).toThrow(expect.objectContaining({ code: 'PAYMENT_INVALID_CURSOR', statusCode: 400 }));
  });
});

describe('isUuid', () => {
  it('accepts canonical UUIDs only', () => {
    expect(isUuid('1b4e28ba-2fa1-11d2-883f-0016d3cca427')).toBe(true);
    expect(isUuid('1B4E28BA-2FA1-11D2-883F-0016D3CCA427')).toBe(true);
    expect(isUuid('{1b4e28ba-2fa1-11d2-883f-0016d3cca427}')).toBe(false);
    expect(isUuid('1b4e28ba2fa111d2883f0016d3cca427')).toBe(false);
  });
});
