import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { looksSecret } from './redact.ts';

export const REQUEST_ID_HEADER = 'x-request-id';

const SAFE_ID = /^[\w.:-]{1,128}$/;

/**
 * Keeps the caller's request id (the gateway or another service) so one id follows a request
 * across services; anything that could forge log structure is replaced by a fresh UUID, and so
 * is an id that holds a card number or a token: it would stand on every log line of the request,
 * here and in the services it calls, where no redaction looks (the id is no sensitive field).
 */
export function requestIdFor(request: IncomingMessage): string {
  const incoming = request.headers[REQUEST_ID_HEADER];
  return typeof incoming === 'string' && SAFE_ID.test(incoming) && !looksSecret(incoming) ? incoming : randomUUID();
}
