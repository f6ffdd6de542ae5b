import { encodeCursor } from '@myshop/schemas';
import { describe, expect, it } from 'vitest';
import { decodeChargeCursor, decodeFeedCursor } from '../src/cursor.ts';

const ID = '1b4e28ba-2fa1-11d2-883f-0016d3cca427';
const raw = (value: string) => Buffer.from(value).toString('base64url');

describe('decodeChargeCursor', () => {
  it('reads back a charge position to the millisecond', () => {
    const cursor = encodeCursor(['2030-01-02T03:04:05.678Z', ID]);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeChargeCursor(cursor)).toEqual({ createdAt: new Date('2030-01-02T03:04:05.678Z'), id: ID });
  });

  it.each([
    ['garbage', '!!!'],
    ['JSON that is not an array', raw('"x"')],
    ['an array of three', raw('["a","b","c"]')],
    ['a number for a timestamp', raw(`[1,"${ID}"]`)],
    // Written as encodeCursor writes a cursor: one written otherwise is refused before its parts are read.
    ['a timestamp not in ISO form', encodeCursor(['2030-01-02', ID])],
    ['an id that is not a UUID', encodeCursor(['2030-01-02T03:04:05.678Z', '1'])],
    ['a time before what PostgreSQL holds (4714 BC)', encodeCursor(['-004714-01-01T00:00:00.000Z', ID])],
    ['a time of a six-digit year', encodeCursor(['+020000-01-01T00:00:00.000Z', ID])],
  ])('rejects %s with PAYMENT_INVALID_CURSOR', (_name, cursor) => {
    expect(() => decodeChargeCursor(cursor)).toThrow(expect.objectContaining({ code: 'PAYMENT_INVALID_CURSOR', statusCode: 400 }));
  });
});

describe('decodeFeedCursor', () => {
  it('reads back a feed position', () => {
    expect(decodeFeedCursor(encodeCursor(['18446744073709551615', ID]))).toEqual({ txid: '18446744073709551615', id: ID });
  });

  it.each([
    ['a negative transaction id', encodeCursor(['-1', ID])],
    ['a transaction id of 21 digits', encodeCursor(['9'.repeat(21), ID])],
    ['a transaction id past 64 bits', encodeCursor(['18446744073709551616', ID])],
    ['an id that is not a UUID', encodeCursor(['1', '1'])],
    ['a missing id', raw('["1"]')],
  ])('rejects %s with PAYMENT_INVALID_CURSOR', (_name, cursor) => {
    expect(() => decodeFeedCursor(cursor)).toThrow(expect.objectContaining({ code: 'PAYMENT_INVALID_CURSOR', statusCode: 400 }));
  });
});
