/**
 * The Content-Security-Policy of the Swagger UI pages and assets (`/<service>/docs`), and of
 * nothing else: every API answer keeps `default-src 'none'`. The UI is a page of our own scripts
 * and styles (no inline ones: its HTML loads files only), draws icons from data: URIs, and
 * fetches the document (and "Try it out" requests) from its own origin.
 */
export const DOCS_CSP_DIRECTIVES = {
  'default-src': ["'none'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
  'frame-ancestors': ["'none'"],
} as const;

export const DOCS_CSP = Object.entries(DOCS_CSP_DIRECTIVES)
  .map(([directive, sources]) => `${directive} ${sources.join(' ')}`)
  .join('; ');
