import { describe, expect, it } from 'vitest';
import { ARGON2_PARAMETERS, checkPassword, hashesToCheck, hashPassword } from '../src/passwords.ts';
import { hashAsTyped } from './helpers.ts';

/** Whether the password logs in with this hash, whichever way it matched. */
const verifyPassword = async (stored: string, password: string) => (await checkPassword(stored, password)) !== 'mismatch';

describe('passwords', () => {
  it('hashes to a salted PHC argon2id string that verifies only the right password', async () => {
    const first = await hashPassword('correct horse');
    const second = await hashPassword('correct horse');
    expect(first).toMatch(
      new RegExp(`^\\$argon2id\\$v=19\\$m=${ARGON2_PARAMETERS.memory},t=${ARGON2_PARAMETERS.passes},p=${ARGON2_PARAMETERS.parallelism}\\$`),
    );
    expect(first).not.toBe(second);
    expect(await verifyPassword(first, 'correct horse')).toBe(true);
    expect(await verifyPassword(first, 'correct horse ')).toBe(false);
  });

  it('verifies with the parameters stored in the hash, and refuses what is not a hash', async () => {
    const hash = await hashPassword('unicode ✓ pässword');
    expect(await verifyPassword(hash, 'unicode ✓ pässword')).toBe(true);
    expect(await verifyPassword('$2b$10$bcrypt-is-not-accepted', 'x')).toBe(false);
    expect(await verifyPassword('', 'x')).toBe(false);
  });

  it('takes a password however Unicode spells it: one code point or a combining mark, full-width or not', async () => {
    const composed = 'caf\u00e9 au lait';
    const decomposed = 'cafe\u0301 au lait';
    expect(await verifyPassword(await hashPassword(decomposed), composed)).toBe(true);
    expect(await verifyPassword(await hashPassword(composed), decomposed)).toBe(true);
    expect(await verifyPassword(await hashPassword('ｐａｓｓｗｏｒｄ１２'), 'password12')).toBe(true);
    expect(await verifyPassword(await hashPassword(composed), 'cafe au lait')).toBe(false);
  });

  it('still verifies a hash made of the password as typed, before passwords were normalised', async () => {
    const typed = 'cafe\u0301 au lait';
    const stored = await hashAsTyped(typed);
    expect(await verifyPassword(stored, typed)).toBe(true);
    expect(await verifyPassword(stored, 'cafe au lait')).toBe(false);
    // Told apart from a normalised hash's match, so that the login can make the hash again.
    expect(await checkPassword(stored, typed)).toBe('match-as-typed');
    expect(await checkPassword(await hashPassword(typed), typed)).toBe('match');
  });

  it('says a check may hash twice exactly when normalisation changes the password', () => {
    expect(hashesToCheck('caf\u00e9 au lait')).toBe(1);
    expect(hashesToCheck('cafe\u0301 au lait')).toBe(2);
    expect(hashesToCheck('ｐａｓｓｗｏｒｄ１２')).toBe(2);
    expect(hashesToCheck('correct horse')).toBe(1);
  });
});
