/** An entity tag of an If-None-Match list: optionally weak (W/), then a quoted opaque tag (RFC 9110 §8.8.3). */
const ENTITY_TAG = /(?:W\/)?("[\x21\x23-\x7e\x80-\xff]*")/g;

/**
 * Whether an If-None-Match header matches the current representation's entity tag (RFC 9110
 * §13.1.2): `*` matches any representation; otherwise any tag of the list matches by weak
 * comparison (W/"x" matches "x"). A header that holds no well-formed tag matches nothing.
 */
export function ifNoneMatchMatches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  const opaque = etag.startsWith('W/') ? etag.slice(2) : etag;
  for (const [, tag] of header.matchAll(ENTITY_TAG)) if (tag === opaque) return true;
  return false;
}
