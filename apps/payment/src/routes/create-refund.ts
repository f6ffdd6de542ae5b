import { OPERATOR_ROLE } from '@myshop/auth';
import { IdempotencyHeaders, noBodyAsEmptyObject, replayableResponse, sendStored } from '@myshop/server';
import { errorResponses, inProgressConflictResponse, isUuid } from '@myshop/schemas';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { chargesRepository, refundKeyHistory } from '../charges-repository.ts';
import { ChargeNotFoundError, ChargeNotRefundableError, RefundExceedsChargeError } from '../errors.ts';
import { ChargeParams, CreateRefundBody, Refund } from '../schemas.ts';

export const createRefundRoute: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/charges/:id/refunds',
    {
      // Money goes back on an operator's word only: a shopper's token never refunds.
      onRequest: app.authorize({ role: OPERATOR_ROLE }),
      // No body at all means `{}`: refund whatever is left.
      preValidation: noBodyAsEmptyObject,
      schema: {
        summary: 'Refund a charge, wholly or in part (operators)',
        description:
          'Needs a token with the operator role (granted by the operators command, never by ' +
          'registration); a shopper’s token is 403. Any shopper’s charge may be refunded; the refund ' +
          'shows on the cart order the charge paid for. Without `amount`, refunds what is left. ' +
          'Exactly once per Idempotency-Key, like charges.',
        tags: ['refunds'],
        security: [{ bearerAuth: [] }],
        params: ChargeParams,
        headers: IdempotencyHeaders,
        body: CreateRefundBody,
        response: {
          201: replayableResponse(Refund),
          ...errorResponses(400, 401, 403, 404, 413, 415, 422, 503),
          409: inProgressConflictResponse(),
        },
      },
    },
    async (request, reply) => {
      // A UUID in any case names one charge: the same refund whether it came written upper or lower case.
      const id = request.params.id.toLowerCase();
      if (!isUuid(id)) throw new ChargeNotFoundError();

      const keyed = {
        userId: request.user.id,
        key: request.headers['idempotency-key'],
        operation: `POST /payment/charges/${id}/refunds`,
        input: request.body,
      };
      const response = await app.idempotency.run(
        keyed,
        async (tx, fingerprint) => {
          const charges = chargesRepository(tx);
          // Locked until commit: concurrent refunds of this charge take turns and cannot over-refund.
          const charge = await charges.findForUpdate(id);
          if (!charge) throw new ChargeNotFoundError();
          if (charge.status !== 'succeeded') throw new ChargeNotRefundableError();
          const left = charge.amount - charge.amountRefunded;
          const amount = request.body.amount ?? left;
          // Nothing left is "more than is left" too, whatever was asked for.
          if (amount > left || amount === 0) throw new RefundExceedsChargeError(left);
          // The refund keeps its key: past the key's TTL, a retry still finds it (refundKeyHistory).
          const refund = await charges.refund(id, amount, { userId: keyed.userId, key: keyed.key, fingerprint });
          return { statusCode: 201, body: refund };
        },
        { history: refundKeyHistory },
      );
      if (!response.replayed) request.log.info({ chargeId: id, refund: response.body, operatorId: request.user.id }, 'refund recorded');
      else app.paymentMetrics.replayed();
      return sendStored(reply, response);
    },
  );
};
