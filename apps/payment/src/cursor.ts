import { decodeCursor, isUuid } from '@myshop/schemas';
import type { ChargePosition, FeedPosition } from './charges-repository.ts';
import { InvalidCursorError } from './errors.ts';

/** The largest transaction id PostgreSQL's xid8 holds. */
const MAX_XID8 = 2n ** 64n - 1n;

/**
 * A charge list's cursor: the last charge's (createdAt, id). Anything else is a 400. The time is
 * a year of four digits: JavaScript's dates reach back past what a timestamptz holds (4713 BC),
 * and such a time would fail in the query instead.
 */
export function decodeChargeCursor(cursor: string): ChargePosition {
  const [createdAt, id] = decodeCursor(cursor, 2) ?? [];
  const date = new Date(createdAt ?? '');
  if (!isUuid(id) || Number.isNaN(date.getTime()) || date.toISOString() !== createdAt || !/^\d{4}-/.test(createdAt)) {
    throw new InvalidCursorError();
  }
  return { createdAt: date, id };
}

/** The refund feed's cursor: the last refund's (transaction, id); a transaction id is a 64-bit unsigned decimal. */
export function decodeFeedCursor(cursor: string): FeedPosition {
  const [txid, id] = decodeCursor(cursor, 2) ?? [];
  if (txid === undefined || !/^\d{1,20}$/.test(txid) || BigInt(txid) > MAX_XID8 || !isUuid(id)) throw new InvalidCursorError();
  return { txid, id };
}
