/** PostgreSQL SQLSTATE codes and node-postgres messages we react to. */
const UNIQUE_VIOLATION = '23505';

/** Class 08 (connection exception), admin shutdown / crash recovery, too many connections. */
const UNAVAILABLE_STATES = /^(08|57P0[1-3]|53300)/;
const UNAVAILABLE_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);
const UNAVAILABLE_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/;

interface PgLikeError {
  code?: string;
  constraint?: string;
  message?: string;
}

export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const pgError = error as PgLikeError;
  return pgError?.code === UNIQUE_VIOLATION && (constraint === undefined || pgError.constraint === constraint);
}

/** True when the database could not be reached or went away, as opposed to a bad query. */
export function isDatabaseUnavailable(error: unknown): boolean {
  const pgError = error as PgLikeError;
  if (!pgError) return false;
  if (typeof pgError.code === 'string' && (UNAVAILABLE_ERRNOS.has(pgError.code) || UNAVAILABLE_STATES.test(pgError.code))) {
    return true;
  }
  return typeof pgError.message === 'string' && UNAVAILABLE_MESSAGES.test(pgError.message);
}
