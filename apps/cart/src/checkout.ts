import { createHash } from 'node:crypto';
import type { Database } from '@myshop/db';
import type { HttpClient, IncomingRequestLike } from '@myshop/http-client';
import { isLuhnValid, type CardDetails } from '@myshop/schemas';
import type { FastifyBaseLogger } from 'fastify';
import {
  checkoutInProgress,
  CheckoutKeyReusedError,
  errorBody,
  InvalidCardNumberError,
  PaymentFailedError,
  PaymentUnavailableError,
} from './errors.ts';
import { ordersRepository, type PendingOrder, type StoredResponse } from './orders-repository.ts';
import { ChargeCreated, type CheckoutResult } from './schemas.ts';

export interface CheckoutOptions {
  db: Database;
  payment: HttpClient;
  currency: string;
  /** How long one attempt may hold its order before another attempt with the key may take over. */
  leaseMs: number;
}

export interface CheckoutRequest {
  userId: string;
  idempotencyKey: string;
  card: CardDetails;
  /** The request being served: its id, trace context and Bearer token go on to payment. */
  incoming: IncomingRequestLike;
  log: FastifyBaseLogger;
}

export interface CheckoutAnswer {
  response: StoredResponse;
  /** True when the answer is the one an earlier attempt with the same key got. */
  replayed: boolean;
}

/**
 * The key payment sees for this checkout: derived from the checkout's own key, so every retry of
 * one checkout asks payment for the same charge, and payment's idempotency makes it happen once.
 */
export function paymentIdempotencyKey(checkoutKey: string): string {
  return `cart-checkout-${createHash('sha256').update(checkoutKey).digest('hex')}`;
}

/**
 * Checkout in three steps, none holding a database connection while payment is asked:
 *   1. record the order as pending with a snapshot of the cart (or find the key's order again);
 *   2. charge it through payment with a key derived from the checkout key;
 *   3. settle it: paid (and out of the cart) or failed (cart untouched), storing the answer.
 * Anything that leaves payment's answer unknown (unreachable, too slow, a 5xx) ends the attempt
 * with 503 and the order pending; a retry with the same key resumes it, and payment replays the
 * charge if it had been made. A crash between the charge and step 3 heals the same way.
 */
export function checkoutService({ db, payment, currency, leaseMs }: CheckoutOptions) {
  const orders = ordersRepository(db);

  return async function checkout(request: CheckoutRequest): Promise<CheckoutAnswer> {
    const { userId, idempotencyKey, card, log } = request;
    // Refused before anything is recorded: a mistyped number never uses up the key.
    if (!isLuhnValid(card.number)) throw new InvalidCardNumberError();

    const started = await orders.start(userId, idempotencyKey, { currency, leaseMs });
    if (started.kind === 'finished') return { response: started.response, replayed: true };
    const { order, resumed } = started;
    if (resumed) log.info({ orderId: order.id }, 'resuming a pending checkout');

    const outcome = await payment.request({
      method: 'POST',
      path: '/payment/charges',
      headers: { 'idempotency-key': paymentIdempotencyKey(idempotencyKey) },
      body: {
        amount: order.amount,
        currency: order.currency,
        card,
        description: `myshop order ${order.id}`,
        metadata: { orderId: order.id },
      },
      incoming: request.incoming,
      forwardAuthorization: true,
      schema: ChargeCreated,
    });

    if (outcome.kind === 'ok') {
      const result: CheckoutResult = {
        orderId: order.id,
        status: 'paid',
        amount: order.amount,
        currency: order.currency,
        chargeId: outcome.body.id,
        items: order.items,
      };
      return finish(order, { status: 'paid', chargeId: outcome.body.id, response: { statusCode: 201, body: result } }, log);
    }

    if (outcome.kind === 'rejected' && outcome.status === 402) {
      // A decline is final: the order failed, the cart stays as it was for another try (with a new key).
      const code = outcome.code ?? 'card_declined';
      const body = errorBody(402, code, outcome.message ?? 'The payment was declined');
      return finish(order, { status: 'failed', failureCode: code, response: { statusCode: 402, body } }, log);
    }

    // No final answer: the order stays pending and the key may be retried right away.
    await orders.release(order.id);
    if (outcome.kind === 'unavailable') {
      log.warn({ orderId: order.id, reason: outcome.reason, status: outcome.status, detail: outcome.detail }, 'payment unavailable');
      throw new PaymentUnavailableError();
    }
    if (outcome.status === 409) throw checkoutInProgress();
    if (outcome.status === 422 && outcome.code === 'PAYMENT_IDEMPOTENCY_KEY_REUSED') throw new CheckoutKeyReusedError();
    log.error({ orderId: order.id, status: outcome.status, code: outcome.code }, 'payment refused the charge request');
    throw new PaymentFailedError();
  };

  async function finish(
    order: PendingOrder,
    settlement: Parameters<(typeof orders)['settle']>[1],
    log: FastifyBaseLogger,
  ): Promise<CheckoutAnswer> {
    const { response, settledNow } = await orders.settle(order, settlement);
    if (settledNow) {
      log.info({ orderId: order.id, status: settlement.status, amount: order.amount, chargeId: settlement.status === 'paid' ? settlement.chargeId : undefined }, 'order settled');
    }
    return { response, replayed: !settledNow };
  }
}
