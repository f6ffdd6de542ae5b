import { describe, expect, it } from 'vitest';
import { ifNoneMatchMatches } from '../src/if-none-match.ts';

describe('ifNoneMatchMatches', () => {
  const etag = '"abc"';

  it.each([
    ['the same tag', '"abc"'],
    ['the weak form of the tag (weak comparison)', 'W/"abc"'],
    ['the tag in a list', '"x", "abc", "y"'],
    ['the weak tag in a list without spaces', 'W/"x",W/"abc"'],
    ['*', '*'],
    ['* with spaces around', '  * '],
  ])('matches %s', (_case, header) => {
    expect(ifNoneMatchMatches(header, etag)).toBe(true);
  });

  it.each([
    ['no header', undefined],
    ['an empty header', ''],
    ['another tag', '"abd"'],
    ['a tag that only starts like ours', '"abc-2"'],
    ['an unquoted tag', 'abc'],
    ['a list of other tags', '"x", W/"y"'],
    ['* inside a list (not the lone *)', '"x", *'],
  ])('does not match %s', (_case, header) => {
    expect(ifNoneMatchMatches(header, etag)).toBe(false);
  });

  it('compares a weak current tag weakly too', () => {
    expect(ifNoneMatchMatches('"abc"', 'W/"abc"')).toBe(true);
  });
});
