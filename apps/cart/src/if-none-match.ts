/** An entity tag of an If-None-Match or If-Match list: optionally weak (W/), then a quoted opaque tag (RFC 9110 §8.8.3). */
const ENTITY_TAG = /(W\/)?("[\x21\x23-\x7e\x80-\xff]*")/g;

/** The well-formed entity tags of a list, each with whether it is weak. */
export function listedEntityTags(header: string): Array<{ weak: boolean; opaque: string }> {
  return [...header.matchAll(ENTITY_TAG)].map(([, weak, opaque]) => ({ weak: weak !== undefined, opaque: opaque! }));
}

/**
 * Whether an If-None-Match header matches the current representation's entity tag (RFC 9110
 * §13.1.2): `*` matches any representation; otherwise any tag of the list matches by weak
 * comparison (W/"x" matches "x"). A header that holds no well-formed tag matches nothing.
 */
export function ifNoneMatchMatches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  const opaque = etag.startsWith('W/') ? etag.slice(2) : etag;
  return listedEntityTags(header).some((tag) => tag.opaque === opaque);
}
