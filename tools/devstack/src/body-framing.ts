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
 * theirs. A Transfer-Encoding other than chunked: ingress-nginx answers 501 itself and closes,
 * where Node would dechunk the bytes and pass them on still gzipped. Two Content-Type lines:
 * nginx passes both on and the service refuses them (400), where Node keeps the first alone and
 * the service would read the body by it.
 */
export function refusedBodyFraming(request: FastifyRequest): FramingRefusal | undefined {
  const codings = unknownTransferCodingError(request.headers['transfer-encoding']);
  if (codings) return refusal(codings, true);
  const contentTypes = BODYLESS.has(request.method) ? undefined : repeatedContentTypeError(request.raw.rawHeaders);
  return contentTypes && refusal(contentTypes, false);
}

function refusal(error: Error, close: boolean): FramingRefusal {
  const { statusCode, code } = error as Error & { statusCode: number; code: string };
  return { statusCode, code, message: error.message, close };
}
