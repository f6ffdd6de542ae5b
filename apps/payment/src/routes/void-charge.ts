import { SCOPES } from '@myshop/auth';
import { createdResponse, IdempotencyHeaders, noBodyAsEmptyObject, replayableResponse, sendStored } from '@myshop/server';
import { errorResponse, errorResponses, inProgressConflictResponse } from '@myshop/schemas';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { Charge } from '../schemas.ts';

export const voidChargeRoute: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/charges/void',
    {
      onRequest: app.authorize({ serviceScope: SCOPES.charge }),
      // It takes no input but the key: no body, or an empty object; anything in it is refused.
      preValidation: noBodyAsEmptyObject,
      schema: {
        summary: 'Settle a charge attempt whose outcome was lost (for the cart service)',
        description:
          'For the charge attempt with this Idempotency-Key, on behalf of the same shopper: if it ' +
          'finished, its answer is replayed (201 the charge, 402 the decline); if it never charged, it ' +
          'is voided and the answer is 409 PAYMENT_CHARGE_VOIDED, which every later request with the ' +
          'key gets too, so a late retry can never charge. 409 PAYMENT_IDEMPOTENCY_IN_PROGRESS while it runs; ' +
          '422 PAYMENT_IDEMPOTENCY_KEY_REUSED when the key was used for something other than a charge (a refund).',
        tags: ['charges'],
        security: [{ bearerAuth: [] }],
        headers: IdempotencyHeaders,
        body: Type.Object({}, { additionalProperties: false, description: 'Nothing: the key names the attempt' }),
        // Every answer here is the key's stored one: replayed, or stored just now (the voiding 409).
        response: {
          ...errorResponses(400, 401, 403, 413, 415, 422, 503),
          201: replayableResponse(createdResponse(Charge, 'GET /payment/charges/{id}')),
          402: replayableResponse(errorResponse(402)),
          409: replayableResponse(inProgressConflictResponse()),
        },
      },
    },
    async (request, reply) => {
      const response = await app.idempotency.void({ userId: request.user.id, key: request.headers['idempotency-key'] });
      if (!response.replayed) request.log.info({ actor: request.user.actor }, 'charge attempt voided');
      // A finished attempt's answer (or an earlier void's), sent again: a replay like any other.
      else app.paymentMetrics.replayed();
      return sendStored(reply, response, (charge: Charge) => `${app.prefix}/charges/${charge.id}`);
    },
  );
};
