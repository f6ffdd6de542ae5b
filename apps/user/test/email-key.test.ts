import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emailKey } from '../src/email-key.ts';

describe('emailKey', () => {
  const variants: Array<[string, string, string]> = [
    ['case', 'Ada.Lovelace@Example.COM', 'ada.lovelace@example.com'],
    ['ASCII spaces around', '  ada@example.com\t\n', 'ada@example.com'],
    ['no-break spaces around', '\u00a0ada@example.com\u00a0', 'ada@example.com'],
    ['ideographic and other Unicode spaces around', '\u3000\u2003ada@example.com\u2009\u202f', 'ada@example.com'],
    // White space to Unicode, not to JavaScript's \s, which lacks it.
    ['next-line characters (NEL) around', '\u0085ada@example.com\u0085', 'ada@example.com'],
    ['a zero-width space inside', 'a\u200bda@example.com', 'ada@example.com'],
    ['zero-width joiners, soft hyphen, word joiner, BOM', '\ufeffa\u200cd\u200da\u00ad@exa\u2060mple.com', 'ada@example.com'],
    ['a variation selector', 'ada\ufe0f@example.com', 'ada@example.com'],
    ['capital I with dot (PostgreSQL lower() gives i)', 'İRIS@example.com', 'iris@example.com'],
    ['dotless i', 'ırıs@example.com', 'iris@example.com'],
    ['sharp s', 'straße@example.com', 'strasse@example.com'],
    ['capital sharp s', 'STRAẞE@example.com', 'strasse@example.com'],
    ['full-width letters and at sign', 'ＡＤＡ＠ｅｘａｍｐｌｅ．ｃｏｍ', 'ada@example.com'],
    ['the Kelvin sign', '\u212Aate@example.com', 'kate@example.com'],
    ['long s', 'ſam@example.com', 'sam@example.com'],
    ['a ligature', 'ﬁona@example.com', 'fiona@example.com'],
    ['mathematical bold letters', '𝐀𝐃𝐀@example.com', 'ada@example.com'],
    ['Greek final sigma and capital sigma', 'ΟΔΟΣ@example.com', 'οδος@example.com'],
    ['a decomposed accent', 'Jose\u0301@example.com', 'josé@example.com'],
  ];

  it.each(variants)('folds %s onto the plain spelling', (_case, raw, key) => {
    expect(emailKey(raw)).toBe(key);
  });

  it('keeps apart addresses that differ in a visible character', () => {
    expect(emailKey('ada@example.com')).not.toBe(emailKey('ada@example.co'));
    expect(emailKey('ada@example.com')).not.toBe(emailKey('adá@example.com'));
    expect(emailKey('a da@example.com')).not.toBe(emailKey('ada@example.com'));
  });

  it('is idempotent: the key of a key is the key', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (raw) => emailKey(emailKey(raw)) === emailKey(raw)),
      { numRuns: 5000 },
    );
  });

  it('gives every variant of one address one key, whatever mix of the variations it carries', () => {
    const spell = fc.tuple(
      fc.constantFrom('a', 'A', 'ａ', 'Ａ', '𝐚'),
      fc.constantFrom('', '\u200b', '\u00ad', '\u2060'),
      fc.constantFrom('ss', 'SS', 'ß', 'ẞ', 'ſs'),
      fc.constantFrom('i', 'I', 'İ', 'ı', 'ｉ'),
      fc.constantFrom('', ' ', '\u00a0', '\u3000'),
    );
    fc.assert(
      fc.property(
        spell,
        ([a, invisible, ss, i, blank]) => emailKey(`${blank}${a}${invisible}${ss}${i}@example.com${blank}`) === 'assi@example.com',
      ),
    );
  });
});
