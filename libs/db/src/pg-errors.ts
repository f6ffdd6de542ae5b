/** PostgreSQL SQLSTATE codes and node-postgres messages we react to. */
const UNIQUE_VIOLATION = '23505';

/**
 * What a retry may get past, as opposed to a statement that is wrong: class 08 (connection
 * exception), 53 (insufficient resources: too many connections, disk full, out of memory), the
 * server shutting down, starting or dropping the database (57P01–57P04), a statement cancelled
 * (57014: the statement timeout, behind a lock or on a busy server), a lock not available
 * (55P03), a deadlock or serialization failure (40P01, 40001), and a database or role the server
 * does not (or no longer) know or accept (3D000, 28000, 28P01: a rename, a rotated password).
 */
const UNAVAILABLE_STATES = /^(08|53|57P0[1-4]|57014|55P03|40001|40P01|3D000|28000|28P01)/;
/** The socket's own failures: refused, cut, timed out, a name not (yet) resolved, a host or network out of reach. */
const UNAVAILABLE_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);
/** node-postgres' error for a statement the server did not answer within `query_timeout`. */
const UNANSWERED_MESSAGE = 'Query read timeout';
/**
 * node-postgres' errors for a connection that failed or went quiet: the Pool's connect timeout
 * (`timeout exceeded when trying to connect`) and a Client's (`timeout expired`: a server that takes
 * the connection and never answers, or a host that drops it), among others.
 */
const UNAVAILABLE_MESSAGES = new RegExp(
  `Connection terminated|timeout exceeded when trying to connect|^timeout expired$|Client has encountered a connection error|${UNANSWERED_MESSAGE}`,
);

interface PgLikeError {
  code?: string;
  constraint?: string;
  message?: string;
}

export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const pgError = error as PgLikeError;
  return pgError?.code === UNIQUE_VIOLATION && (constraint === undefined || pgError.constraint === constraint);
}

/** True when the database could not be reached, went away or could not serve the statement now, as opposed to a bad query. */
export function isDatabaseUnavailable(error: unknown): boolean {
  const pgError = error as PgLikeError;
  if (!pgError) return false;
  if (typeof pgError.code === 'string' && (UNAVAILABLE_ERRNOS.has(pgError.code) || UNAVAILABLE_STATES.test(pgError.code))) {
    return true;
  }
  return typeof pgError.message === 'string' && UNAVAILABLE_MESSAGES.test(pgError.message);
}

/** True when the server gave no answer to a statement in time: its connection still waits for one. */
export function isUnanswered(error: unknown): boolean {
  const { message, cause } = (error ?? {}) as { message?: unknown; cause?: { message?: unknown } };
  return message === UNANSWERED_MESSAGE || cause?.message === UNANSWERED_MESSAGE;
}
