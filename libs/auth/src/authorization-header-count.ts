/**
 * How many Authorization header lines a request came with (`rawHeaders` is name, value, name,
 * value…). Node keeps only the first in `headers.authorization` and drops the rest unseen, so a
 * route that must refuse a second credential counts them here.
 */
export function authorizationHeaderCount(rawHeaders: readonly string[]): number {
  let count = 0;
  for (let index = 0; index < rawHeaders.length; index += 2) {
    const name = rawHeaders[index]!;
    // Every authenticated request runs this: lower-case only a name of the right length.
    if (name.length === 13 && name.toLowerCase() === 'authorization') count += 1;
  }
  return count;
}
