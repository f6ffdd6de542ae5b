import { listedEntityTags } from './if-none-match.ts';

/**
 * Whether an If-Match header fails against the current representation's entity tag (RFC 9110
 * §13.1.1), so the request is not served: `*` holds whenever there is a representation; otherwise
 * some tag of the list must match by strong comparison, which a weak tag on either side never
 * does. No header, nothing to fail.
 */
export function ifMatchFails(header: string | undefined, etag: string): boolean {
  if (header === undefined || header.trim() === '*') return false;
  if (etag.startsWith('W/')) return true;
  return !listedEntityTags(header).some((tag) => !tag.weak && tag.opaque === etag);
}
