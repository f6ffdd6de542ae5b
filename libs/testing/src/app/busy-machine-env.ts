/**
 * Configuration every service under test gets: a test run shares a busy machine (parallel
 * workers, argon2 hashing, PostgreSQL itself), so nothing may be refused for being slow.
 * - No load shedding: libs/server and the overload tests check it with their own settings.
 * - A generous wait for a database connection: the 2 s default would answer 503 while the
 *   machine is saturated, failing a test for the load rather than for the code.
 */
export const BUSY_MACHINE_ENV = {
  OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0',
  DATABASE_CONNECT_TIMEOUT_MS: '20000',
  DATABASE_STATEMENT_TIMEOUT_MS: '60000',
} as const satisfies Record<string, string>;
