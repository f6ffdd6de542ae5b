import type { FastifyRequest } from 'fastify';

/**
 * ingress-nginx's `large_client_header_buffers 4 8k`: the request line and each header line,
 * with its CRLF, must fit one 8 KiB buffer, or nginx refuses the request before any service
 * sees it. Node's limit (16 KiB for all headers together) would let such a line through.
 */
const BUFFER_BYTES = 8 * 1024;
const CRLF = 2;

export interface OversizeLine {
  statusCode: number;
  code: string;
  message: string;
}

/** The refusal nginx would answer for a line that does not fit its buffer, if any line does not. */
export function lineBeyondNginxBuffers(request: FastifyRequest): OversizeLine | undefined {
  const { method, httpVersion, rawHeaders } = request.raw;
  // The target as sent, an absolute-form one whole.
  const requestLine = `${method} ${request.originalUrl} HTTP/${httpVersion}`;
  if (requestLine.length + CRLF > BUFFER_BYTES) {
    return { statusCode: 414, code: 'REQUEST_LINE_TOO_LONG', message: 'The request line is longer than the edge accepts (8 KiB)' };
  }
  // Counted as `name: value`, the usual spelling; nginx counts the bytes as sent.
  for (let index = 0; index < rawHeaders.length; index += 2) {
    if (`${rawHeaders[index]}: ${rawHeaders[index + 1]}`.length + CRLF > BUFFER_BYTES) {
      return { statusCode: 400, code: 'HEADER_LINE_TOO_LONG', message: 'A request header line is longer than the edge accepts (8 KiB)' };
    }
  }
  return undefined;
}
