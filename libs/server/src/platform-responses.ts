import { errorResponse } from '@myshop/schemas';
import type { RouteOptions } from 'fastify';
import { routeTakesBody } from './body-route-hooks.ts';
import { MAX_PATH_PARAM_LENGTH } from './framework-errors.ts';

type RouteShape = Pick<RouteOptions, 'method' | 'url' | 'schema'>;

/**
 * The statuses the platform itself may answer a route with, whatever its handler does, and why.
 * The route's own declaration of a status (with its own reasons) takes precedence.
 */
export function platformStatuses(route: RouteShape): Array<[status: number, why: string]> {
  const schema = route.schema ?? {};
  const hasBody = routeTakesBody(route.method);
  const hasPathParams = route.url.includes(':') || route.url.includes('*');
  const validatesInput = schema.params !== undefined || schema.querystring !== undefined || schema.headers !== undefined;
  const secured = Array.isArray(schema.security) && schema.security.length > 0;
  const statuses: Array<[number, string]> = [];
  // Node's HTTP parser answers these before any route is chosen (client-errors.ts): any route can get them.
  const malformed = 'a request that is not valid HTTP/1.1 (MALFORMED_REQUEST)';
  const refused =
    validatesInput || hasBody || hasPathParams
      ? `a parameter, header or body that is malformed or not allowed (FST_ERR_VALIDATION, FST_ERR_CTP_INVALID_JSON_BODY, FST_ERR_BAD_URL), or ${malformed}`
      : malformed;
  // @myshop/auth refuses a second Authorization header on every route that takes a Bearer token
  // (the token endpoint, which takes client credentials, answers its own 401 instead).
  const bearer = secured && (schema.security as Array<Record<string, unknown>>).some((scheme) => 'bearerAuth' in scheme);
  statuses.push([400, bearer ? `${refused}; more than one Authorization header (AUTH_INVALID_REQUEST)` : refused]);
  statuses.push([408, 'the request was not received within the request timeout (REQUEST_TIMEOUT)']);
  const longLine = 'a request line longer than the server accepts (REQUEST_LINE_TOO_LONG)';
  const longParam = `a path parameter longer than ${MAX_PATH_PARAM_LENGTH} characters (FST_ERR_MAX_PARAM_LENGTH)`;
  statuses.push([414, hasPathParams ? `${longParam}, or ${longLine}` : longLine]);
  statuses.push([431, 'headers larger than the server accepts (HEADERS_TOO_LARGE)']);
  if (secured) statuses.push([401, 'no valid access token']);
  if (hasPathParams) statuses.push([404, 'nothing has this id (NOT_FOUND when the path matches no route)']);
  if (hasBody) {
    statuses.push([413, 'the body is larger than the limit (FST_ERR_CTP_BODY_TOO_LARGE)']);
    statuses.push([
      415,
      'a body of a media type the route does not take, JSON in a charset other than UTF-8, or a compressed body (FST_ERR_CTP_INVALID_MEDIA_TYPE)',
    ]);
    statuses.push([501, 'a body under a transfer coding besides chunked (TRANSFER_CODING_NOT_IMPLEMENTED)']);
  }
  statuses.push([500, 'a fault on our side, its details hidden (INTERNAL_SERVER_ERROR)']);
  statuses.push([503, 'overloaded, shutting down or a dependency is down; retry after Retry-After']);
  return statuses;
}

/**
 * The `Cache-Control` every answer carries unless its route sets its own (protection-plugin.ts):
 * documented, so that a client generated from the document (or a cache in front of it) knows it
 * may not keep the answer, as a token endpoint's client must (RFC 6749 §5.1).
 */
const NO_STORE_HEADER = {
  'cache-control': {
    type: 'string',
    const: 'no-store',
    description: 'Answers hold accounts, carts and charges: no cache may keep them',
  },
};

/** `response` with the no-store header beside its own, unless it documents a `Cache-Control` of its own. */
function withNoStore(response: unknown): unknown {
  if (response === null || typeof response !== 'object') return response;
  const headers = (response as { headers?: Record<string, unknown> }).headers;
  if (headers && Object.keys(headers).some((name) => name.toLowerCase() === 'cache-control')) return response;
  return { ...response, headers: { ...headers, ...NO_STORE_HEADER } };
}

/**
 * Adds the platform's error responses to a documented route's schema, so that its OpenAPI
 * operation lists every status it can answer with; what the route declares itself is kept. Every
 * response documents the platform's `Cache-Control: no-store` unless it declares its own.
 * Routes without a schema, or hidden from the document, are left as they are.
 */
export function addPlatformResponses(route: RouteOptions): void {
  const schema = route.schema;
  if (!schema || schema.hide === true) return;
  const platform = Object.fromEntries(platformStatuses(route).map(([status, why]) => [status, errorResponse(status, why)]));
  const responses = { ...platform, ...(schema.response as Record<string, unknown> | undefined) };
  // A new object: a schema may be shared by several routes, each with its own statuses.
  route.schema = {
    ...schema,
    response: Object.fromEntries(Object.entries(responses).map(([status, response]) => [status, withNoStore(response)])),
  };
}
