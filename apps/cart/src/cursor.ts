import { InvalidCursorError } from './errors.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `value` can be compared with a uuid column (anything else would be a query error). */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** Opaque to clients: the sort key of the last item of a page, as base64url JSON. */
export function encodeCursor(position: ReadonlyArray<string | number>): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

/**
 * The position inside a cursor, checked against the expected shape (`uuid` or `integer` per
 * element): anything but a cursor we issued is a 400, never a query error.
 */
export function decodeCursor<const S extends ReadonlyArray<'uuid' | 'integer'>>(
  cursor: string,
  shape: S,
): { [K in keyof S]: S[K] extends 'integer' ? number : string } {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError();
  }
  if (!Array.isArray(decoded) || decoded.length !== shape.length) throw new InvalidCursorError();
  decoded.forEach((value: unknown, index) => {
    const valid = shape[index] === 'integer' ? Number.isSafeInteger(value) && (value as number) >= 0 : typeof value === 'string' && isUuid(value);
    if (!valid) throw new InvalidCursorError();
  });
  return decoded as { [K in keyof S]: S[K] extends 'integer' ? number : string };
}
