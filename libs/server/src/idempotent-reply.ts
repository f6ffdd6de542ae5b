/**
 * What every write done "exactly once per Idempotency-Key" shares, whichever service does it: the
 * request header, the answer stored for the key, and how a stored answer is sent back to a retry.
 */
import { IdempotencyKey } from '@myshop/schemas';
import type { FastifyReply } from 'fastify';
import { Type, type TSchema } from 'typebox';

/** Set (to `true`) on an answer that is a stored one, replayed for a retry with the same key. */
export const IDEMPOTENT_REPLAYED_HEADER = 'idempotent-replayed';

/** A route's `schema.headers`: the Idempotency-Key it is done once per. */
export const IdempotencyHeaders = Type.Object({ 'idempotency-key': IdempotencyKey });

/** The response headers of such a route, for its OpenAPI document. */
export const IdempotentReplayedHeaders = {
  [IDEMPOTENT_REPLAYED_HEADER]: Type.Literal('true', {
    description: 'Present when this is the stored answer of an earlier request with the same Idempotency-Key, sent again',
  }),
};

/** `schema` as a response of a once-per-key route: documented with its Idempotent-Replayed header. */
export function replayableResponse<T extends TSchema>(schema: T): T {
  return { ...schema, headers: { ...(schema as { headers?: object }).headers, ...IdempotentReplayedHeaders } };
}

/** An answer as first sent, kept for its key and sent again, unchanged, to every retry with it. */
export interface StoredResponse<Status extends number = number, Body = unknown> {
  statusCode: Status;
  body: Body;
}

/**
 * Sends a first answer, or replays a stored one exactly (same status, same body) and says so. A
 * 201's Location comes from its body by `locationOf`, so a replay names the resource as the first
 * answer did.
 */
export function sendStored<Created>(
  reply: FastifyReply,
  stored: StoredResponse & { replayed: boolean },
  locationOf?: (created: Created) => string,
): FastifyReply {
  if (stored.replayed) reply.header(IDEMPOTENT_REPLAYED_HEADER, 'true');
  if (stored.statusCode === 201 && locationOf) reply.header('location', locationOf(stored.body as Created));
  return reply.code(stored.statusCode).send(stored.body);
}
