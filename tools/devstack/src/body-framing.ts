import { repeatedContentTypeError, unknownTransferCodingError } from '@myshop/server';
import type { FastifyRequest } from 'fastify';

export interface FramingRefusal {
  statusCode: number;
  code: string;
  message: string;
  /** Whether the connection ends after the answer, as nginx ends it. */
  close: boolean;
}

/**
 * Methods whose bodies Fastify never reads (so its bodyLimit never sees them), the services'
 * included: a second Content-Type there means nothing.
 */
export const BODYLESS: ReadonlySet<string> = new Set(['GET', 'HEAD']);

/**
 * What a body sent this way gets at the edge, where the gateway would pass on something other
 * than the client sent; the services' own refusals (@myshop/server), so the codes and words are
 * theirs (and their MALFORMED_REQUEST for a framing no HTTP/1.0 request has). A
 * Transfer-Encoding other than chunked: ingress-nginx answers 501 itself and closes,
 * where Node would dechunk the bytes and pass them on still gzipped. Two Content-Type lines:
 * nginx passes both on and the service refuses them (400), where Node keeps the first alone and
 * the service would read the body by it.
 */
export function refusedBodyFraming(request: FastifyRequest): FramingRefusal | undefined {
  // Transfer-Encoding came with HTTP/1.1: in an HTTP/1.0 request it frames nothing a recipient
  // may trust (RFC 9112 §6.1), and nginx refuses it with 400 before it looks at the coding, where
  // Node would dechunk the body and the gateway forward it.
  if (request.raw.httpVersion === '1.0' && request.headers['transfer-encoding'] !== undefined) {
    return { statusCode: 400, code: 'MALFORMED_REQUEST', message: 'An HTTP/1.0 request has no Transfer-Encoding', close: true };
  }
  const codings = unknownTransferCodingError(request.headers['transfer-encoding']);
  if (codings) return refusal(codings, true);
  const contentTypes = BODYLESS.has(request.method) ? undefined : repeatedContentTypeError(request.raw.rawHeaders);
  return contentTypes && refusal(contentTypes, false);
}

function refusal(error: Error, close: boolean): FramingRefusal {
  const { statusCode, code } = error as Error & { statusCode: number; code: string };
  return { statusCode, code, message: error.message, close };
}
