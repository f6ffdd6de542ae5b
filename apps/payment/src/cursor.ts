import { decodeCursor, isUuid } from '@myshop/schemas';
import type { ChargePosition, FeedPosition } from './charges-repository.ts';
import { InvalidCursorError } from './errors.ts';

/** A charge list's cursor: the last charge's (createdAt, id). Anything else is a 400. */
export function decodeChargeCursor(cursor: string): ChargePosition {
  const [createdAt, id] = decodeCursor(cursor, 2) ?? [];
  const date = new Date(createdAt ?? '');
  if (!isUuid(id) || Number.isNaN(date.getTime()) || date.toISOString() !== createdAt) throw new InvalidCursorError();
  return { createdAt: date, id };
}

/** The refund feed's cursor: the last refund's (transaction, id); a transaction id is a 64-bit unsigned decimal. */
export function decodeFeedCursor(cursor: string): FeedPosition {
  const [txid, id] = decodeCursor(cursor, 2) ?? [];
  if (txid === undefined || !/^\d{1,20}$/.test(txid) || !isUuid(id)) throw new InvalidCursorError();
  return { txid, id };
}
