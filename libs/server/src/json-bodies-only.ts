import { isUtf8 } from 'node:buffer';
import { defineError } from '@myshop/errors';
import { safeParse as parseContentType } from 'fast-content-type-parse';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { markOptionalBody } from './optional-body.ts';

const NotUtf8 = defineError('FST_ERR_CTP_INVALID_JSON_BODY', 'Body is not valid JSON: its bytes are not UTF-8', 400);
const NotUtf8Charset = defineError(
  'FST_ERR_CTP_INVALID_MEDIA_TYPE',
  'Unsupported Media Type: a JSON body is UTF-8 (no charset, or charset=utf-8)',
  415,
);

/**
 * Bodies are JSON, and JSON is UTF-8 (RFC 8259, section 8.1). Fastify reads a JSON body as UTF-8
 * and turns every byte that is not into U+FFFD, so a name sent in Latin-1 would pass and be stored
 * damaged: here such a body is a 400, and one that declares another charset a 415, before any
 * route sees it. Fastify's text/plain parser goes too: no route takes text, and text would
 * otherwise reach a route as a string and fail its schema (400) instead of being refused as a
 * media type the route does not take (415), like XML or a form. A compressed body never reaches
 * this parser (uncompressed-bodies.ts).
 */
export function takeJsonBodiesOnly(app: FastifyInstance): void {
  // Fastify's own parser (secure-json-parse, a __proto__ or constructor key refused), as its defaults.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('text/plain');
  // Routes whose body may be left out, known to the parser below (and to the OpenAPI document).
  app.addHook('onRoute', markOptionalBody);
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body: Buffer, done) => {
    const charset = parseContentType(request.headers['content-type'] ?? '').parameters.charset?.toLowerCase();
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') return done(new NotUtf8Charset());
    if (!isUtf8(body)) return done(new NotUtf8());
    if (body.length === 0 && takesNoBodyOrMayLeaveItOut(request)) return done(null, undefined);
    parseJson(request, body.toString('utf8'), done);
  });
}

/**
 * Whether "nothing", sent with a JSON content type as many clients send it on every request, is no
 * body: on a route whose body may be left out (optional-body.ts), and on one that takes no body at
 * all (no body schema: `DELETE /cart`), which would otherwise refuse a request it has nothing to
 * read from with a 400 for an empty JSON body. A route with a body schema still gets that 400.
 */
function takesNoBodyOrMayLeaveItOut(request: FastifyRequest): boolean {
  return request.routeOptions.config.optionalBody === true || request.routeOptions.schema?.body === undefined;
}
