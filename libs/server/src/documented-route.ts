import type { FastifySchema } from 'fastify';

/**
 * @fastify/swagger's `transform`: what the OpenAPI document says of a route beyond its schema.
 *  - A plugin's `/` route is served at both `/prefix` and `/prefix/` (Fastify's
 *    prefixTrailingSlash `both`); the document names a path without the trailing slash, as
 *    clients and the READMEs write it (`GET /cart`, not `GET /cart/`).
 *  - A route that declares no `security` is public and says so (`security: []`), so that a reader,
 *    or a linter, need not guess.
 */
export function documentRoute({ schema, url }: { schema: FastifySchema | undefined; url: string }): { schema: FastifySchema; url: string } {
  const path = url.length > 1 && url.endsWith('/') ? url.slice(0, -1) : url;
  return { schema: schema && schema.security === undefined ? { ...schema, security: [] } : (schema as FastifySchema), url: path };
}
