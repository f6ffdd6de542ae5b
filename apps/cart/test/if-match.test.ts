import { describe, expect, it } from 'vitest';
import { ifMatchFails } from '../src/if-match.ts';

describe('ifMatchFails', () => {
  it.each([
    ['no header', undefined],
    ['*', ' * '],
    ['the same tag', '"abc"'],
    ['the tag in a list', 'W/"x", "abc"'],
  ])('holds for %s', (_case, header) => {
    expect(ifMatchFails(header, '"abc"')).toBe(false);
  });

  it.each([
    ['another tag', '"abd"'],
    ['the weak form of the tag (strong comparison)', 'W/"abc"'],
    ['an unquoted tag', 'abc'],
    ['an empty header', ''],
  ])('fails for %s', (_case, header) => {
    expect(ifMatchFails(header, '"abc"')).toBe(true);
  });

  it('fails for any tag when the current one is weak, which never matches strongly', () => {
    expect(ifMatchFails('"abc"', 'W/"abc"')).toBe(true);
    expect(ifMatchFails('*', 'W/"abc"')).toBe(false);
  });
});
