/** The canonical 8-4-4-4-12 form of a UUID, the only one the services accept. */
export const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `value` can be compared with a uuid column (anything else would be a query error). */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && CANONICAL_UUID.test(value);
}

/** Opaque to clients: a page's position (the last item's sort keys) as base64url JSON. */
export function encodeCursor(position: ReadonlyArray<string>): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

/**
 * The position inside a cursor, if it is one of `length` strings; undefined for anything else,
 * which the route answers with its own 400 (never a query error). Only the exact text
 * `encodeCursor` gives is a cursor: Node's base64url decoder skips characters outside its
 * alphabet and takes padding and standard base64, so without the round trip `<cursor>!!` or
 * `<cursor>==` would be read as `<cursor>`.
 */
export function decodeCursor(cursor: string, length: number): string[] | undefined {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(decoded) || decoded.length !== length || !decoded.every((part) => typeof part === 'string')) return undefined;
  if (encodeCursor(decoded) !== cursor) return undefined;
  return decoded as string[];
}

/**
 * One page of a list read with one row more than asked for: that row, if it came, says another
 * page exists, and the last row shown is where the next one starts.
 */
export async function paginate<Row>(
  limit: number,
  read: (count: number) => ReadonlyArray<Row> | Promise<ReadonlyArray<Row>>,
  positionOf: (row: Row) => ReadonlyArray<string>,
): Promise<{ items: Row[]; nextCursor: string | null }> {
  const rows = await read(limit + 1);
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(positionOf(last)) : null };
}
