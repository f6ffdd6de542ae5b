import { decodeCursor, isUuid } from '@myshop/schemas';
import { InvalidCursorError } from './errors.ts';

/** The id inside a cursor of a cart list (a page's last product or order): anything else is a 400. */
export function decodeIdCursor(cursor: string): string {
  const [id] = decodeCursor(cursor, 1) ?? [];
  if (!isUuid(id)) throw new InvalidCursorError();
  return id;
}
