import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CataloguePage } from './catalogue-pages.ts';
import { PreconditionFailedError } from './errors.ts';
import { ifMatchFails } from './if-match.ts';
import { ifNoneMatchMatches } from './if-none-match.ts';

/**
 * Answers a GET with bytes serialized beforehand and their strong ETag, honouring the request's
 * conditions (RFC 9110 §13.2.2): If-Match first (412 when it names none of them; an error carries
 * no validator, it is not the representation), then If-None-Match (304 with the ETag and no body),
 * else the bytes with their ETag and `cacheControl`.
 */
export function sendRepresentation(request: FastifyRequest, reply: FastifyReply, representation: CataloguePage, cacheControl: string) {
  const headers = request.headers;
  if (ifMatchFails(headers['if-match'], representation.etag)) throw new PreconditionFailedError();
  reply.header('etag', representation.etag).header('cache-control', cacheControl);
  // A 304 has no body, nor a media type (what send(null) would serialize and label).
  if (ifNoneMatchMatches(headers['if-none-match'], representation.etag)) return reply.code(304).send(undefined as never);
  // Bytes already serialized go out as they are (the type provider only knows the object form).
  return reply.type('application/json; charset=utf-8').send(representation.body as never);
}
