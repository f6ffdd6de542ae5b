import { defineError } from '@myshop/errors';

const RepeatedContentType = defineError('MALFORMED_REQUEST', 'A request has at most one Content-Type', 400);

/**
 * The refusal of a body sent with two Content-Type lines, if it was. Content-Type is a single value
 * (RFC 9110, sections 5.3 and 8.3): Node keeps the first line and drops the others, while a proxy
 * or a filter in front may have judged the body by another, so which media type the client meant
 * is unknown (as for two Host lines, client-errors.ts). Checked in the hook that refuses compressed
 * bodies (uncompressed-bodies.ts), so a body route pays for one hook, not two.
 */
export function repeatedContentTypeError(rawHeaders: string[]): Error | undefined {
  let seen = false;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (name.length !== 12 || name.toLowerCase() !== 'content-type') continue;
    if (seen) return new RepeatedContentType();
    seen = true;
  }
  return undefined;
}
