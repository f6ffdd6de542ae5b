import type { FastifyRequest } from 'fastify';

export interface FramingRefusal {
  statusCode: number;
  code: string;
  message: string;
  /** Whether the connection ends after the answer, as nginx ends it. */
  close: boolean;
}

/** Methods whose bodies the services never read, so a second Content-Type there means nothing. */
const BODYLESS = new Set(['GET', 'HEAD']);

/**
 * What a body sent this way gets at the edge, where the gateway would pass on something other
 * than the client sent. A Transfer-Encoding other than chunked: ingress-nginx answers 501 itself
 * and closes, where Node would dechunk the bytes and pass them on still gzipped. Two Content-Type
 * lines: nginx passes both on and the service refuses them (400), where Node keeps the first alone
 * and the service would read the body by it.
 */
export function refusedBodyFraming(request: FastifyRequest): FramingRefusal | undefined {
  const transferEncoding = request.headers['transfer-encoding'];
  if (transferEncoding !== undefined && transferEncoding.trim().toLowerCase() !== 'chunked') {
    return {
      statusCode: 501,
      code: 'TRANSFER_CODING_NOT_IMPLEMENTED',
      message: 'A body is taken plain or chunked, under no other transfer coding',
      close: true,
    };
  }
  if (!BODYLESS.has(request.method) && (request.raw.headersDistinct['content-type']?.length ?? 0) > 1) {
    return { statusCode: 400, code: 'MALFORMED_REQUEST', message: 'A request has at most one Content-Type', close: false };
  }
  return undefined;
}
