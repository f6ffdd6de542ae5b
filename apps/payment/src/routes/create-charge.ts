import { errorResponses, isLuhnValid } from '@myshop/schemas';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { authorize, describeCard } from '../cards.ts';
import { chargesRepository } from '../charges-repository.ts';
import { CurrencyNotAcceptedError, declineBody, InvalidCardNumberError } from '../errors.ts';
import { Charge, CreateChargeBody, IdempotencyHeaders } from '../schemas.ts';
import { sendIdempotent } from './send-idempotent.ts';

export const createChargeRoute: FastifyPluginAsyncTypebox<{ currency: string }> = async (app, { currency }) => {
  app.post(
    '/charges',
    {
      onRequest: app.authenticate,
      schema: {
        summary: 'Charge a card',
        description:
          'Exactly once per Idempotency-Key: a retry with the same body gets the first answer again ' +
          '(header Idempotent-Replayed: true). Sandbox cards: 4000000000000002 is declined, ' +
          '4000000000009995 has insufficient funds, any past expiry is expired_card.',
        tags: ['charges'],
        security: [{ bearerAuth: [] }],
        headers: IdempotencyHeaders,
        body: CreateChargeBody,
        response: { 201: Charge, ...errorResponses(400, 401, 402, 409, 413, 415, 422, 503) },
      },
    },
    async (request, reply) => {
      const { body } = request;
      // Refused before the key is claimed: a malformed request never uses up an Idempotency-Key.
      if (body.currency !== currency) throw new CurrencyNotAcceptedError(currency);
      if (!isLuhnValid(body.card.number)) throw new InvalidCardNumberError();

      const userId = request.user.id;
      let created: Charge | undefined;
      const response = await app.idempotency.run(
        { userId, key: request.headers['idempotency-key'], operation: 'POST /payment/charges', input: body },
        async (tx) => {
          const authorization = authorize(body.card, new Date());
          // A decline is a charge too: stored as failed, answered with 402, replayed like any answer.
          created = await chargesRepository(tx).create({
            userId,
            status: authorization.approved ? 'succeeded' : 'failed',
            amount: body.amount,
            currency: body.currency,
            card: describeCard(body.card.number),
            description: body.description ?? null,
            metadata: body.metadata ?? {},
            failureCode: authorization.approved ? null : authorization.failureCode,
          });
          return authorization.approved
            ? { statusCode: 201, body: created }
            : { statusCode: 402, body: declineBody(authorization.failureCode) };
        },
      );
      if (created) {
        request.log.info({ chargeId: created.id, status: created.status, failureCode: created.failureCode }, 'charge recorded');
        app.paymentMetrics.chargeRecorded(created);
      }
      if (response.replayed) app.paymentMetrics.replayed();
      return sendIdempotent(reply, response);
    },
  );
};
