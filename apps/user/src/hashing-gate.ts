import { withRetryAfter } from '@myshop/errors';
import { OverloadedError } from '@myshop/server';

/** Seconds a client refused by a full gate should wait: the hashes ahead of it end within one. */
const RETRY_AFTER_SECONDS = 1;

/**
 * A bound on the password hashes one process has begun and not finished. argon2 runs on libuv's
 * thread pool (a few threads, shared with DNS lookups and file reads), whose queue has no bound
 * and never drops work: hashes asked for faster than the cores do them pile up, every login
 * waits behind all of them, and a client that gave up still has its hash done. The event loop
 * stays idle meanwhile, so load shedding on its delay never starts. Past `maxPending`, a hash is
 * refused at once with 503 SERVICE_OVERLOADED and Retry-After instead: a burst is answered in
 * the time the hashes already pending take, never more.
 */
export function createHashingGate(maxPending: number) {
  let pending = 0;
  return {
    /**
     * Runs `hash`, which begins `hashes` hashes (a password check may begin two: passwords.ts), or
     * refuses it when they would take the pending hashes past `maxPending`. Alone, any check runs.
     */
    async run<T>(hash: () => Promise<T>, hashes = 1): Promise<T> {
      if (pending > 0 && pending + hashes > maxPending) throw withRetryAfter(new OverloadedError(), RETRY_AFTER_SECONDS);
      pending += hashes;
      try {
        return await hash();
      } finally {
        pending -= hashes;
      }
    },
    /** Hashes begun and not finished. */
    get pending(): number {
      return pending;
    },
  };
}

export type HashingGate = ReturnType<typeof createHashingGate>;
