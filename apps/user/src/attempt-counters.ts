import { createHash } from 'node:crypto';
import type { Queryable } from '@myshop/db';

/** How many attempts one counter allows, and what happens past that. */
export interface AttemptLimit {
  /** Attempts allowed per window. */
  max: number;
  windowSeconds: number;
  /**
   * The longest block. Past the limit a counter is blocked for one window, and each time the limit
   * is exceeded again (before the counter expires) for twice as long as the time before, up to
   * this. Equal to `windowSeconds`: a plain limit, every block one window.
   */
  maxBlockSeconds: number;
}

/** One thing counted: `subject` (an address, an email key…) under a `scope` naming the limit. */
export interface Counted {
  scope: string;
  subject: string;
  limit: AttemptLimit;
}

export type Verdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** The largest count the integer column holds. */
const MAX_COUNTABLE = 2 ** 31 - 1;

/** Rows deleted per statement when purging: short statements, however many rows expired. */
const PURGE_BATCH = 5000;

/**
 * Counters in the service's PostgreSQL, shared by every replica. Each attempt is one UPSERT that
 * increments and returns the count, so concurrent attempts, on any replicas, are counted one after
 * the other on the row's lock and no more than `max` of them are ever allowed in a window. Time
 * is the database's clock, one for all replicas.
 *
 * Chosen over rate-limiter-flexible's RateLimiterPostgres: it keeps expiry in each replica's
 * clock, has no back-off that grows with repeated offences (it would take a second, separate
 * counter and a read-then-block in the application), and talks to the pool directly, around
 * the query metrics and the database-unavailable mapping of @myshop/db.
 */
export function attemptCounters(db: Queryable) {
  return {
    /** Counts one attempt and says whether it may go on. */
    async hit({ scope, subject, limit }: Counted): Promise<Verdict> {
      const { rows } = await db.query<{ hits: number; strikes: number; seconds_left: number }>(
        `INSERT INTO attempt_counters AS counter (scope, subject, hits, window_ends_at, expires_at)
         VALUES ($1, $2, 1, now() + make_interval(secs => $3::int), now() + make_interval(secs => $3::int))
         ON CONFLICT (scope, subject) DO UPDATE SET
           -- An ended window (or block) starts again with this attempt. Past max + 1 the count
           -- stops growing: a flood during a long block cannot overflow it.
           hits = CASE WHEN counter.window_ends_at <= now() THEN 1 ELSE least(counter.hits, $4::int - 1) + 1 END,
           window_ends_at = CASE WHEN counter.window_ends_at <= now() THEN excluded.window_ends_at ELSE counter.window_ends_at END,
           -- Strikes are remembered until the row expires, purged or not.
           strikes = CASE WHEN counter.expires_at <= now() THEN 0 ELSE counter.strikes END,
           expires_at = greatest(counter.expires_at, excluded.expires_at)
         RETURNING hits, strikes, ceil(extract(epoch FROM window_ends_at - now()))::int AS seconds_left`,
        [scope, digest(subject), limit.windowSeconds, Math.min(limit.max, MAX_COUNTABLE - 2) + 2],
      );
      const { hits, strikes, seconds_left: secondsLeft } = rows[0]!;
      if (hits <= limit.max) return { allowed: true };
      // Only the first attempt over the limit sees max + 1: it alone starts the block.
      if (hits > limit.max + 1) return { allowed: false, retryAfterSeconds: Math.max(1, secondsLeft) };
      const blockSeconds = blockDuration(limit, strikes);
      await db.query(
        `UPDATE attempt_counters
            SET strikes = strikes + 1,
                window_ends_at = now() + make_interval(secs => $3::int),
                expires_at = now() + make_interval(secs => $3::int + $4::int)
          WHERE scope = $1 AND subject = $2`,
        [scope, digest(subject), blockSeconds, limit.maxBlockSeconds],
      );
      return { allowed: false, retryAfterSeconds: blockSeconds };
    },

    /** Clears a counter, its strikes included (a successful login from that address). */
    async forget(scope: string, subject: string): Promise<void> {
      await db.query('DELETE FROM attempt_counters WHERE scope = $1 AND subject = $2', [scope, digest(subject)]);
    },

    /** Deletes expired counters; returns how many. Run by time, never to make room. */
    async purgeExpired(): Promise<number> {
      let purged = 0;
      for (;;) {
        const { rowCount } = await db.query(
          `DELETE FROM attempt_counters WHERE (scope, subject) IN (
             SELECT scope, subject FROM attempt_counters WHERE expires_at <= now() LIMIT $1)`,
          [PURGE_BATCH],
        );
        purged += rowCount ?? 0;
        if ((rowCount ?? 0) < PURGE_BATCH) return purged;
      }
    },
  };
}

export type AttemptCounters = ReturnType<typeof attemptCounters>;

/** The block after `strikes` earlier ones: one window, doubled each time, at most the longest. */
export function blockDuration(limit: AttemptLimit, strikes: number): number {
  return Math.min(limit.windowSeconds * 2 ** Math.min(strikes, 30), limit.maxBlockSeconds);
}

/** Rows are named by a digest: fixed-size keys, and no address or email stored in the clear. */
function digest(subject: string): Buffer {
  return createHash('sha256').update(subject).digest();
}
