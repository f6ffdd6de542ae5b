import { describe, expect, it } from 'vitest';
import { ARGON2_PARAMETERS, hashPassword, verifyPassword } from '../src/passwords.ts';

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
});
