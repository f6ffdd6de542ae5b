import type { FastifyRequest, FastifySchema, RouteOptions } from 'fastify';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set by `markOptionalBody` on a route that reads no body as `{}`: an empty JSON body is no body too. */
    optionalBody?: boolean;
  }
}

/**
 * A route's preValidation for a POST whose body is optional: no body at all is read as `{}`, so
 * the body schema judges one shape (a JSON null is still refused). The route's OpenAPI operation
 * then says its body is optional (below).
 */
export async function noBodyAsEmptyObject(request: FastifyRequest): Promise<void> {
  if (request.body === undefined) request.body = {};
}

/** A schema key @fastify/swagger copies onto the operation (it copies every `x-` key). */
const OPTIONAL_BODY = 'x-optional-body';

/**
 * onRoute: marks a route that reads no body as `{}`. Its config, so that an empty body sent with
 * a JSON content type (as many clients send "nothing") counts as no body (json-bodies-only.ts);
 * its schema, since @fastify/swagger writes `requestBody.required: true` for every route with a
 * body schema and `documentOptionalBodies` turns the mark into `required: false`.
 */
export function markOptionalBody(route: RouteOptions): void {
  if (![route.preValidation].flat().includes(noBodyAsEmptyObject)) return;
  route.config = { ...route.config, optionalBody: true };
  if (route.schema) route.schema = { ...route.schema, [OPTIONAL_BODY]: true } as FastifySchema;
}

type Operation = { [OPTIONAL_BODY]?: boolean; requestBody?: { required?: boolean } };

/** For @fastify/swagger's `transformObject`: each marked operation's body made optional, the mark removed. */
export function documentOptionalBodies<T extends { paths?: object }>(document: T): T {
  for (const path of Object.values(document.paths ?? {}) as Array<Record<string, Operation> | undefined>) {
    for (const operation of Object.values(path ?? {})) {
      if (!operation?.[OPTIONAL_BODY]) continue;
      delete operation[OPTIONAL_BODY];
      if (operation.requestBody) operation.requestBody.required = false;
    }
  }
  return document;
}
