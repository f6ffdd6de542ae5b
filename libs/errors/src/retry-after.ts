/**
 * An error whose answer tells the client when to try again (`Retry-After`, in seconds): a 409 for
 * a request still being processed, a 429 past an attempt limit. The error handler sends its headers.
 */
export function withRetryAfter<E extends Error>(error: E, seconds: number): E & { headers: Record<string, string> } {
  return Object.assign(error, { headers: { 'retry-after': String(seconds) } });
}
