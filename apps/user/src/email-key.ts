/**
 * The one spelling of an email address that accounts and attempt limits compare: two addresses
 * with the same key are the same account to sign-up (the unique `users.email_key`), to login (the
 * lookup) and to the attempt counters. Whatever a person can type that looks or folds the same
 * must land on one key, or a variant opens a second account or a fresh set of counters.
 *
 * The key is Unicode's NFKC_Casefold, computed with what JavaScript has built in:
 * - NFKC: compatibility forms become plain ones (full-width `ａ` → `a`, `ﬁ` → `fi`, `ſ` → `s`,
 *   the Kelvin sign → `K`, a no-break space → a space);
 * - default-ignorable code points, invisible when shown, are removed (zero-width space and
 *   joiners, soft hyphen, word joiner, byte order mark, variation selectors…);
 * - full case folding: upper-casing then lower-casing (`ß` → `SS` → `ss`, `ẞ` → `ß` → `ss`),
 *   repeated until nothing changes; for every single code point this agrees with Unicode's
 *   CaseFolding.txt up to which case Cherokee letters land on, which is the same for all of them;
 * - `İ` (capital I with dot) folds to `i`, as PostgreSQL's lower() and Turkish do, where full
 *   case folding would keep a combining dot; dotless `ı` upper-cases to `I` and so becomes `i`;
 * - Unicode white space is trimmed at both ends.
 *
 * It is idempotent (`emailKey(emailKey(x)) === emailKey(x)`), so a stored key can be compared with
 * the key of any new input.
 */

const DEFAULT_IGNORABLE = /\p{Default_Ignorable_Code_Point}/gu;
const EDGE_WHITE_SPACE = /^\p{White_Space}+|\p{White_Space}+$/gu;
const CAPITAL_I_WITH_DOT = /\u0130/g;

/** Each round can only shorten or fold further; in practice two rounds reach the fixed point. */
const MAX_ROUNDS = 8;

export function emailKey(raw: string): string {
  let key = raw;
  for (let round = 0; round < MAX_ROUNDS; round += 1) {
    const next = canonicalRound(key);
    if (next === key) break;
    key = next;
  }
  return key;
}

function canonicalRound(text: string): string {
  const plain = text.normalize('NFKC').replace(DEFAULT_IGNORABLE, '').replace(CAPITAL_I_WITH_DOT, 'i');
  const folded = plain.toUpperCase().toLowerCase();
  // Case mapping may leave text that NFKC changes again (or a new ignorable): a second pass.
  return folded.normalize('NFKC').replace(DEFAULT_IGNORABLE, '').replace(EDGE_WHITE_SPACE, '');
}
