import type { FastifyReply } from 'fastify';
import type { StoredResponse } from '../plugins/idempotency.ts';

/** Sends a first answer, or replays a stored one exactly (same status, same body) and says so. */
export function sendIdempotent(reply: FastifyReply, { statusCode, body, replayed }: StoredResponse & { replayed: boolean }) {
  if (replayed) reply.header('idempotent-replayed', 'true');
  return reply.code(statusCode).send(body);
}
