import { errorResponse, errorResponses, inProgressConflictResponse } from '@myshop/schemas';
import { createdResponse, IdempotencyHeaders, replayableResponse, sendStored } from '@myshop/server';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CardFingerprint } from '../card-fingerprint.ts';
import { checkoutService } from '../checkout.ts';
import type { DeclineLimit } from '../orders-repository.ts';
import { PaymentUnavailableError } from '../errors.ts';
import { CheckoutBody, CheckoutResult } from '../schemas.ts';

export interface CheckoutRouteOptions {
  currency: string;
  leaseMs: number;
  cardFingerprint: CardFingerprint;
  declineLimit: DeclineLimit;
}

export const checkoutRoute: FastifyPluginAsyncTypebox<CheckoutRouteOptions> = async (
  app,
  { currency, leaseMs, cardFingerprint, declineLimit },
) => {
  const checkout = checkoutService({
    db: app.db,
    payment: app.payment,
    tokens: app.serviceTokens,
    currency,
    leaseMs,
    cardFingerprint,
    declineLimit,
  });
  /** Requests that reached the handler: what fails after that is a failed checkout. */
  const tried = new WeakSet<FastifyRequest>();

  app.post(
    '/checkout',
    {
      onRequest: app.authenticate,
      schema: {
        summary: 'Pay for the cart',
        description:
          'Records an order for the cart at catalogue prices and charges the card through the payment ' +
          'service (as the cart service acting for the shopper). Exactly once per Idempotency-Key: a ' +
          'retry after a 503 resumes the same order and never charges twice; a retry after it finished ' +
          'gets the same answer again (header Idempotent-Replayed: true), and a retry with another card ' +
          'is 422 CART_CHECKOUT_KEY_REUSED. One cart, one payment: while ' +
          'a checkout of the cart is being paid, a checkout with another key is 409 ' +
          'CART_CHECKOUT_PENDING, never a second charge. A decline is 402 with the payment code ' +
          '(card_declined…) and leaves the cart as it was. After CHECKOUT_DECLINES_MAX declines in a row ' +
          'within CHECKOUT_DECLINE_WINDOW_SECONDS, a checkout with a new key is 429 CART_TOO_MANY_DECLINES ' +
          '(Retry-After: until the oldest of them leaves the window).',
        tags: ['checkout'],
        security: [{ bearerAuth: [] }],
        headers: IdempotencyHeaders,
        body: CheckoutBody,
        // The paid order, a decline and an abandoned checkout are stored for the key, and replayed to a retry.
        response: {
          ...errorResponses(400, 401, 413, 415, 422, 429, 502, 503),
          201: replayableResponse(createdResponse(CheckoutResult, 'GET /cart/orders/{orderId}')),
          402: replayableResponse(errorResponse(402)),
          409: replayableResponse(inProgressConflictResponse()),
        },
      },
      // A checkout that ends in an error is counted here, one that ends in an answer below. A
      // request that never got to try (malformed, too large, without a valid token: refused
      // before the handler) is no checkout.
      onError: async (request, _reply, error) => {
        if (!tried.has(request)) return;
        app.checkoutMetrics.checkout(error instanceof PaymentUnavailableError ? 'payment_unavailable' : 'failed');
      },
    },
    async (request, reply) => {
      tried.add(request);
      const { response, replayed } = await checkout({
        userId: request.user.id,
        idempotencyKey: request.headers['idempotency-key'],
        card: request.body.card,
        incoming: request,
        log: request.log,
      });
      app.checkoutMetrics.checkout(replayed ? 'replayed' : response.statusCode === 201 ? 'paid' : 'declined');
      // A paid result (201), a decline (402) or an abandoned checkout (409), all declared above;
      // the typed reply only knows 201 by name.
      return sendStored(reply as FastifyReply, { ...response, replayed }, (paid: CheckoutResult) => `${app.prefix}/orders/${paid.orderId}`);
    },
  );
};
