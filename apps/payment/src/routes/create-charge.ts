import { randomUUID } from 'node:crypto';
import { SCOPES } from '@myshop/auth';
import { createdResponse, IdempotencyHeaders, replayableResponse, sendStored } from '@myshop/server';
import {
  containsCardNumber,
  errorResponse,
  errorResponses,
  inProgressConflictResponse,
  isCardNumberValid,
  SANDBOX_CARDS,
} from '@myshop/schemas';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { authorize, describeCard } from '../cards.ts';
import { newChargeStatement, type NewCharge } from '../charges-repository.ts';
import { CardNumberInTextError, CurrencyNotAcceptedError, declineBody, InvalidCardNumberError } from '../errors.ts';
import { Charge, CreateChargeBody } from '../schemas.ts';

export const createChargeRoute: FastifyPluginAsyncTypebox<{ currency: string }> = async (app, { currency }) => {
  app.post(
    '/charges',
    {
      // Cart charges on behalf of the shopper at checkout; a shopper's own token cannot charge.
      onRequest: app.authorize({ serviceScope: SCOPES.charge }),
      schema: {
        summary: 'Charge a card (for the cart service, on behalf of a shopper)',
        description:
          'Needs a payment token with scope payment:charge acting for the shopper (the cart service ' +
          'gets one at checkout from POST /user/oauth/token); a shopper’s own token is 403. The charge ' +
          'belongs to that shopper. Exactly once per Idempotency-Key: a retry with the same body gets ' +
          'the first answer again (header Idempotent-Replayed: true); the CVC is no part of what makes ' +
          'two requests the same, as it is never kept, not even hashed. Sandbox cards: ' +
          `${SANDBOX_CARDS.declined} is declined, ${SANDBOX_CARDS.insufficientFunds} has insufficient funds, any past expiry is expired_card. ` +
          'A description or metadata holding a card number is 400 PAYMENT_CARD_NUMBER_IN_TEXT: it would be stored as written.',
        tags: ['charges'],
        security: [{ bearerAuth: [] }],
        headers: IdempotencyHeaders,
        body: CreateChargeBody,
        // A charge or a decline is stored for the key, and replayed to a retry; so is the 409 of
        // a key voided earlier (POST /payment/charges/void), which a late charge with it gets.
        response: {
          ...errorResponses(400, 401, 403, 413, 415, 422, 503),
          409: replayableResponse(inProgressConflictResponse()),
          201: replayableResponse(createdResponse(Charge, 'GET /payment/charges/{id}')),
          402: replayableResponse(errorResponse(402)),
        },
      },
    },
    async (request, reply) => {
      const { body } = request;
      // Refused before the key is claimed: a malformed request never uses up an Idempotency-Key.
      if (body.currency !== currency) throw new CurrencyNotAcceptedError(currency);
      if (!isCardNumberValid(body.card.number)) throw new InvalidCardNumberError();
      // Free text is stored and shown as written: a card number in it would be card data kept
      // beyond its brand and last 4 digits.
      const texts = [body.description ?? '', ...Object.entries(body.metadata ?? {}).flat()];
      if (texts.some(containsCardNumber)) throw new CardNumberInTextError();

      const { cvc: _cvc, ...cardWithoutCvc } = body.card;
      // Authorized before the key is taken, as nothing leaves this process to authorize: the
      // charge, its key and its answer are then one statement, one round trip, all or nothing.
      // A processor reached over the network would have to come after the claim (`idempotency.run`).
      const authorization = authorize(body.card, new Date());
      const keyed = {
        userId: request.user.id,
        key: request.headers['idempotency-key'],
        operation: 'POST /payment/charges',
        input: { ...body, card: cardWithoutCvc },
      };
      // A decline is a charge too: stored as failed, answered with 402, replayed like any answer.
      const charge: Omit<NewCharge, 'requestFingerprint'> = {
        id: randomUUID(),
        userId: request.user.id,
        status: authorization.approved ? 'succeeded' : 'failed',
        amount: body.amount,
        currency: body.currency,
        card: describeCard(body.card.number),
        description: body.description ?? null,
        metadata: body.metadata ?? {},
        failureCode: authorization.approved ? null : authorization.failureCode,
        idempotencyKey: keyed.key,
      };
      // The charge keeps its request's fingerprint with its key (chargeKeyHistory).
      const response = await app.idempotency.runStatement(keyed, (requestFingerprint) =>
        newChargeStatement(
          { ...charge, requestFingerprint },
          authorization.approved ? undefined : { statusCode: 402, body: declineBody(authorization.failureCode) },
        ),
      );
      if (!response.replayed) {
        request.log.info(
          // Not `status`: the services' other lines carry an HTTP status there, a number, and the
          // log store maps a field's type once for all of them.
          { chargeId: charge.id, chargeStatus: charge.status, failureCode: charge.failureCode, actor: request.user.actor },
          'charge recorded',
        );
        app.paymentMetrics.chargeRecorded(charge);
      } else {
        app.paymentMetrics.replayed();
      }
      return sendStored(reply, response, (created: Charge) => `${app.prefix}/charges/${created.id}`);
    },
  );
};
