import { defineError } from '@myshop/errors';
import type { FastifyInstance } from 'fastify';
import { addBodyRouteHook, BODYLESS_METHODS } from './body-route-hooks.ts';
import { repeatedContentTypeError } from './one-content-type.ts';
import { unknownTransferCodingError } from './transfer-codings.ts';

const Compressed = defineError(
  'FST_ERR_CTP_INVALID_MEDIA_TYPE',
  'Unsupported Media Type: a body is taken uncompressed (no Content-Encoding, or identity)',
  415,
);

/**
 * A body with a Content-Encoding other than identity (gzip, br…) is not decoded: it is a 415, as
 * RFC 9110 (section 8.4) allows, with `Accept-Encoding: identity`, whatever parser its media type
 * has (JSON, a route's form), so its bytes are never read as if they were plain. Refused before
 * any parser reads it; Node reads and discards the unread body after the answer, as it does for a
 * media type no route takes, so a proxy still sending it never sees a reset. A body over the limit
 * is refused as such first (oversize-body-plugin.ts); one sent with two Content-Type lines, or
 * under a transfer coding besides chunked, is refused here too (one-content-type.ts,
 * transfer-codings.ts).
 */
export function refuseCompressedBodies(app: FastifyInstance): void {
  addBodyRouteHook(app, 'preParsing', (request, reply, payload, done) => {
    if (BODYLESS_METHODS.has(request.method)) return done(null, payload);
    const unreadable = repeatedContentTypeError(request.raw.rawHeaders) ?? unknownTransferCodingError(request.headers['transfer-encoding']);
    if (unreadable) return done(unreadable);
    if (isIdentity(request.headers['content-encoding'])) return done(null, payload);
    // RFC 9110 §15.5.16: the 415 names the codings a body may have, so a client knows to resend it plain.
    void reply.header('accept-encoding', 'identity');
    done(new Compressed());
  });
}

function isIdentity(contentEncoding: string | undefined): boolean {
  const coding = contentEncoding?.trim().toLowerCase();
  return !coding || coding === 'identity';
}
