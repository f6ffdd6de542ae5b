import type { FastifySchema } from 'fastify';

type DocumentedSchema = FastifySchema & { operationId?: string };

/**
 * @fastify/swagger's `transform`: what the OpenAPI document says of a route beyond its schema.
 *  - A plugin's `/` route is served at both `/prefix` and `/prefix/` (Fastify's
 *    prefixTrailingSlash `both`); the document names a path without the trailing slash, as
 *    clients and the READMEs write it (`GET /cart`, not `GET /cart/`).
 *  - A route that declares no `security` is public and says so (`security: []`), so that a reader,
 *    or a linter, need not guess.
 *  - Every operation has an `operationId`, the name a generated client gives its method, made of
 *    the method and the path (`GET /cart/products/:id` → `getCartProductsById`) unless the route
 *    names its own.
 */
export function documentRoute({
  schema,
  url,
  route,
}: {
  schema: FastifySchema | undefined;
  url: string;
  route: { method: string | string[] };
}): { schema: FastifySchema; url: string } {
  const path = url.length > 1 && url.endsWith('/') ? url.slice(0, -1) : url;
  if (!schema) return { schema: schema as unknown as FastifySchema, url: path };
  const documented: DocumentedSchema = { ...schema };
  documented.security ??= [];
  // One id per operation: a route of several methods would give them all the same one.
  if (typeof route.method === 'string') documented.operationId ??= operationId(route.method, path);
  return { schema: documented, url: path };
}

/** `POST /payment/charges/:id/refunds` → `postPaymentChargesByIdRefunds`. */
export function operationId(method: string, path: string): string {
  const words = path
    .split('/')
    .filter(Boolean)
    .map((segment) => (segment.startsWith(':') ? `by-${segment.slice(1)}` : segment))
    .flatMap((segment) => segment.split(/[^A-Za-z0-9]+|(?=[A-Z])/).filter(Boolean));
  return [method.toLowerCase(), ...words.map((word) => word[0]!.toUpperCase() + word.slice(1).toLowerCase())].join('');
}
