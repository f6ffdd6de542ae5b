import type { Queryable } from '@myshop/db';

/**
 * How long a known address's record goes without a refresh: a login from an address that logged in
 * to the account within this time writes nothing, so a returning user's login sends one statement
 * fewer (docs/performance.md). The address is then forgotten at most this much before `keepDays`
 * (one day at least) have passed since its last login.
 */
export const KNOWN_ADDRESS_REFRESH_SECONDS = 3600;

/**
 * What an account knows of an address: nothing, a login from it within `keepDays`, or one within
 * the last `KNOWN_ADDRESS_REFRESH_SECONDS` (its record is fresh enough to leave as it is).
 */
export type AddressStanding = 'unknown' | 'known' | 'known-recently';

/**
 * Addresses that signed an account up or logged in to it within the last `keepDays` days:
 * recorded at sign-up and on every successful login (at most once per
 * `KNOWN_ADDRESS_REFRESH_SECONDS`), forgotten after that many days without one.
 */
export function knownAddresses(db: Queryable, { keepDays }: { keepDays: number }) {
  return {
    /** What the account of `emailKey` knows of `address` (unknown for no such account); the database's clock. */
    async standing(emailKey: string, address: string): Promise<AddressStanding> {
      const { rows } = await db.query<{ recent: boolean }>(
        `SELECT known.last_login_at > now() - make_interval(secs => $4::int) AS recent
           FROM known_login_addresses AS known JOIN users ON users.id = known.user_id
          WHERE users.email_key = $1 AND known.address = $2 AND known.last_login_at > now() - make_interval(days => $3::int)`,
        [emailKey, address, keepDays, KNOWN_ADDRESS_REFRESH_SECONDS],
      );
      if (rows.length === 0) return 'unknown';
      return rows[0]!.recent ? 'known-recently' : 'known';
    },

    async remember(userId: string, address: string): Promise<void> {
      await db.query(
        `INSERT INTO known_login_addresses (user_id, address) VALUES ($1, $2)
         ON CONFLICT (user_id, address) DO UPDATE SET last_login_at = now()`,
        [userId, address],
      );
    },

    /** Deletes addresses not used for `keepDays`; returns how many. */
    async purgeExpired(): Promise<number> {
      const { rowCount } = await db.query(
        'DELETE FROM known_login_addresses WHERE last_login_at <= now() - make_interval(days => $1::int)',
        [keepDays],
      );
      return rowCount ?? 0;
    },
  };
}

export type KnownAddresses = ReturnType<typeof knownAddresses>;
