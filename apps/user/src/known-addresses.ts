import type { Queryable } from '@myshop/db';

/**
 * Addresses that logged in to an account within the last `keepDays` days: recorded on every
 * successful login, forgotten after that many days without one.
 */
export function knownAddresses(db: Queryable, { keepDays }: { keepDays: number }) {
  return {
    /** Whether `address` logged in to the account of `emailKey` lately (false for no such account). */
    async isKnown(emailKey: string, address: string): Promise<boolean> {
      const { rows } = await db.query<{ known: boolean }>(
        `SELECT EXISTS (
           SELECT 1 FROM known_login_addresses AS known JOIN users ON users.id = known.user_id
            WHERE users.email_key = $1 AND known.address = $2 AND known.last_login_at > now() - make_interval(days => $3::int)
         ) AS known`,
        [emailKey, address, keepDays],
      );
      return rows[0]!.known;
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
