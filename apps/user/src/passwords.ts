import { argon2, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const argon2Async = promisify(argon2);

/** OWASP's argon2id recommendation: 19 MiB, 2 passes, 1 lane. */
export const ARGON2_PARAMETERS = { memory: 19_456, passes: 2, parallelism: 1, tagLength: 32 } as const;

const PHC = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

/**
 * The password as it is hashed: Unicode NFKC (NIST SP 800-63B), so that `é` typed as one code point
 * on one keyboard and as `e` with a combining accent on another is the same password.
 */
function normalized(password: string): string {
  return password.normalize('NFKC');
}

/** Hashes off the event loop (libuv's pool) and encodes as a PHC string, params included. */
export async function hashPassword(password: string): Promise<string> {
  const nonce = randomBytes(16);
  const { memory, passes, parallelism, tagLength } = ARGON2_PARAMETERS;
  const hash = await argon2Async('argon2id', { message: normalized(password), nonce, memory, passes, parallelism, tagLength });
  return `$argon2id$v=19$m=${memory},t=${passes},p=${parallelism}$${b64(nonce)}$${b64(hash)}`;
}

/**
 * How a password matched its hash: normalised, or only exactly as typed. The latter is a hash made
 * before passwords were normalised, which no other spelling of the password matches until it is
 * made again (`hashPassword`).
 */
export type PasswordCheck = 'match' | 'match-as-typed' | 'mismatch';

/**
 * Verifies with the parameters stored in the hash, so raising them later keeps old hashes valid.
 * A hash made before passwords were normalised holds the password as it was typed: a password
 * that normalisation changes is tried as typed too (a second hash, for such a password only).
 */
export async function checkPassword(stored: string, password: string): Promise<PasswordCheck> {
  const typed = normalized(password);
  if (await verifyExactly(stored, typed)) return 'match';
  if (typed !== password && (await verifyExactly(stored, password))) return 'match-as-typed';
  return 'mismatch';
}

/** The argon2 hashes `checkPassword` may run for `password`: two when normalisation changes it. */
export function hashesToCheck(password: string): 1 | 2 {
  return normalized(password) === password ? 1 : 2;
}

async function verifyExactly(stored: string, password: string): Promise<boolean> {
  const match = PHC.exec(stored);
  if (!match) return false;
  const [, memory, passes, parallelism, nonce, expected] = match as unknown as [string, string, string, string, string, string];
  const expectedHash = Buffer.from(expected, 'base64');
  const actual = await argon2Async('argon2id', {
    message: password,
    nonce: Buffer.from(nonce, 'base64'),
    memory: Number(memory),
    passes: Number(passes),
    parallelism: Number(parallelism),
    tagLength: expectedHash.length,
  });
  return timingSafeEqual(actual, expectedHash);
}

/** PHC strings use unpadded standard base64. */
function b64(buffer: Buffer): string {
  return buffer.toString('base64').replace(/=+$/, '');
}
