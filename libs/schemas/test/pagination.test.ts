import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, isUuid, paginate } from '../src/index.ts';

describe('cursors', () => {
  it('round-trip a position as URL-safe text', () => {
    const cursor = encodeCursor(['2030-01-02T03:04:05.678Z', 'b']);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor, 2)).toEqual(['2030-01-02T03:04:05.678Z', 'b']);
  });

  it.each([
    ['garbage', '!!!', 1],
    ['JSON that is not an array', Buffer.from('"x"').toString('base64url'), 1],
    ['an array of another length', encodeCursor(['a', 'b']), 1],
    ['an array holding a number', Buffer.from('[1]').toString('base64url'), 1],
    ['a cursor with characters after it', `${encodeCursor(['a'])}!!`, 1],
    ['a cursor with padding', `${encodeCursor(['a'])}==`, 1],
    ['a cursor with white space inside', ` ${encodeCursor(['a'])} `, 1],
    ['the position in standard base64', Buffer.from('["??>"]').toString('base64'), 1],
  ])('decode %s as no position', (_name, cursor, length) => {
    expect(decodeCursor(cursor, length)).toBeUndefined();
  });
});

describe('paginate', () => {
  const rows = ['a', 'b', 'c', 'd', 'e'];
  const read = (after?: string) => (count: number) => rows.filter((row) => after === undefined || row > after).slice(0, count);

  it('reads one row more than asked and points the cursor at the last row shown', async () => {
    const asked: number[] = [];
    const page = await paginate(
      2,
      (count) => (asked.push(count), read()(count)),
      (row) => [row],
    );
    expect(asked).toEqual([3]);
    expect(page).toEqual({ items: ['a', 'b'], nextCursor: encodeCursor(['b']) });
  });

  it('walks every row once and ends with a null cursor', async () => {
    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await paginate(2, read(after), (row) => [row]);
      seen.push(...page.items);
      if (page.nextCursor === null) break;
      after = decodeCursor(page.nextCursor, 1)![0];
    }
    expect(seen).toEqual(rows);
  });

  it('gives no cursor for an exactly full last page', async () => {
    expect((await paginate(5, read(), (row) => [row])).nextCursor).toBeNull();
  });
});

describe('isUuid', () => {
  it('accepts canonical UUIDs only', () => {
    expect(isUuid('1b4e28ba-2fa1-11d2-883f-0016d3cca427')).toBe(true);
    expect(isUuid('1B4E28BA-2FA1-11D2-883F-0016D3CCA427')).toBe(true);
    expect(isUuid('{1b4e28ba-2fa1-11d2-883f-0016d3cca427}')).toBe(false);
    expect(isUuid('urn:uuid:1b4e28ba-2fa1-11d2-883f-0016d3cca427')).toBe(false);
    expect(isUuid(42)).toBe(false);
  });
});
