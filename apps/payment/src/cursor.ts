import type { ChargePosition, FeedPosition } from './charges-repository.ts';
import { InvalidCursorError } from './errors.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** Opaque to clients: where the next page starts, as base64url JSON. */
export function encodeCursor(position: { createdAt: string; id: string }): string {
  return Buffer.from(JSON.stringify([position.createdAt, position.id])).toString('base64url');
}

/** Anything but a cursor we issued is a 400, never a query error. */
export function decodeCursor(cursor: string): ChargePosition {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError();
  }
  if (!Array.isArray(decoded) || decoded.length !== 2) throw new InvalidCursorError();
  const [createdAt, id] = decoded as unknown[];
  if (typeof createdAt !== 'string' || typeof id !== 'string' || !isUuid(id)) throw new InvalidCursorError();
  const date = new Date(createdAt);
  if (Number.isNaN(date.getTime()) || date.toISOString() !== createdAt) throw new InvalidCursorError();
  return { createdAt: date, id };
}

/** The refund feed's cursor: the last refund's (transaction, id), opaque to readers. */
export function encodeFeedCursor(position: FeedPosition): string {
  return Buffer.from(JSON.stringify([position.txid, position.id])).toString('base64url');
}

export function decodeFeedCursor(cursor: string): FeedPosition {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError();
  }
  if (!Array.isArray(decoded) || decoded.length !== 2) throw new InvalidCursorError();
  const [txid, id] = decoded as unknown[];
  // A transaction id is a 64-bit unsigned integer, in decimal.
  if (typeof txid !== 'string' || !/^\d{1,20}$/.test(txid) || typeof id !== 'string' || !isUuid(id)) throw new InvalidCursorError();
  return { txid, id };
}
