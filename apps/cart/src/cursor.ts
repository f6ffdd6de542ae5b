import { InvalidCursorError } from './errors.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `value` can be compared with a uuid column (anything else would be a query error). */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** Opaque to clients: the id of a page's last item, as base64url JSON. */
export function encodeCursor(lastId: string): string {
  return Buffer.from(JSON.stringify([lastId])).toString('base64url');
}

/** The id inside a cursor: anything but a cursor we issued is a 400, never a query error. */
export function decodeCursor(cursor: string): string {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError();
  }
  if (!Array.isArray(decoded) || decoded.length !== 1 || typeof decoded[0] !== 'string' || !isUuid(decoded[0])) throw new InvalidCursorError();
  return decoded[0];
}
