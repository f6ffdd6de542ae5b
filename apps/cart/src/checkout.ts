import { createHash } from 'node:crypto';
import { AuthInvalidTokenError, INVALID_TOKEN_CHALLENGE, SCOPES } from '@myshop/auth';
import type { Database } from '@myshop/db';
import { errorBody } from '@myshop/errors';
import type { HttpClient, HttpOutcome, IncomingRequestLike } from '@myshop/http-client';
import { isCardNumberValid, type CardDetails } from '@myshop/schemas';
import type { CardFingerprint } from './card-fingerprint.ts';
import type { FastifyBaseLogger } from 'fastify';
import {
  ABANDONED,
  checkoutInProgress,
  CheckoutKeyReusedError,
  checkoutPending,
  InvalidCardNumberError,
  PaymentFailedError,
  PaymentUnavailableError,
} from './errors.ts';
import {
  ordersRepository,
  type DeclineLimit,
  type PendingOrder,
  type Settlement,
  type StoredCheckoutResponse,
} from './orders-repository.ts';
import { SUBJECT_TOKEN_REFUSED, type ServiceTokens } from './plugins/service-tokens.ts';
import { ChargeCreated, type CheckoutResult } from './schemas.ts';

export interface CheckoutOptions {
  db: Database;
  payment: HttpClient;
  tokens: ServiceTokens;
  currency: string;
  /** How long one attempt may hold its order before another attempt with the key may take over. */
  leaseMs: number;
  /** Kept with the order, so a retry of its key with another card is refused (never replayed as paid). */
  cardFingerprint: CardFingerprint;
  /** Past this many declines in a row, a new order is refused (429) until the window moves on. */
  declineLimit: DeclineLimit;
}

export interface CheckoutRequest {
  userId: string;
  idempotencyKey: string;
  card: CardDetails;
  /** The request being served: its id, trace context and the shopper's token (exchanged, never sent on). */
  incoming: IncomingRequestLike;
  log: FastifyBaseLogger;
}

export interface CheckoutAnswer {
  response: StoredCheckoutResponse;
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

/** Settling an unfinished checkout of the cart, then starting this one, at most this often. */
const MAX_UNFINISHED_ROUNDS = 3;

type ChargeAnswer = HttpOutcome<{ id: string; status: 'succeeded'; amount: number; currency: string }>;

/** A token for payment, acting for the shopper, and when it runs out (it never outlives the shopper's). */
interface PaymentToken {
  token: string;
  expiresAt: number;
}

/** The shopper's token is no longer good: the shopper signs in again (and may retry the same key). */
function invalidToken(): Error {
  return Object.assign(new AuthInvalidTokenError(), { headers: { 'www-authenticate': INVALID_TOKEN_CHALLENGE } });
}

/**
 * Checkout in three steps, none holding a database connection while payment is asked:
 *   1. record the order as pending with a snapshot of the cart (or find the key's order again);
 *   2. charge it through payment with a key derived from the checkout key, as cart acting for
 *      the shopper (a payment token from the user service, not the shopper's own);
 *   3. settle it: paid (and out of the cart) or failed (cart untouched), storing the answer.
 * The payment token is had before step 1: without one (the shopper's token refused, the user
 * service out of reach) nothing is recorded.
 * Anything that leaves payment's answer unknown (unreachable, too slow, a 5xx) ends the attempt
 * with 503 and the order pending; a retry with the same key resumes it, and payment replays the
 * charge if it had been made. A crash between the charge and step 3 heals the same way.
 *
 * One cart, one payment: while one checkout of the cart is pending, a checkout with another key
 * is refused (409 CART_CHECKOUT_PENDING). If that pending one was left unfinished (its attempt
 * died and nobody retried it), the new checkout first settles it: payment voids its charge
 * attempt, or tells the charge it made, and only then is the cart checked out again.
 */
export function checkoutService({ db, payment, tokens, currency, leaseMs, cardFingerprint, declineLimit }: CheckoutOptions) {
  const orders = ordersRepository(db);

  return async function checkout(request: CheckoutRequest): Promise<CheckoutAnswer> {
    const { userId, idempotencyKey, card, log } = request;
    // Refused before anything is recorded: a mistyped number never uses up the key.
    if (!isCardNumberValid(card.number)) throw new InvalidCardNumberError();
    // So is a shopper whose token the user service will not exchange (one in the last seconds of
    // its clock tolerance here) or a user service out of reach: no order is left behind either way.
    const token = await paymentToken(request);
    const fingerprint = cardFingerprint(card);

    for (let round = 0; round < MAX_UNFINISHED_ROUNDS; round += 1) {
      const started = await orders.start(userId, idempotencyKey, { currency, leaseMs, cardFingerprint: fingerprint, declineLimit });
      if (started.kind === 'finished') return { response: started.response, replayed: true };
      if (started.kind === 'unfinished') {
        await settleUnfinished(started.order, request, token);
        continue;
      }
      const { order, resumed } = started;
      if (resumed) log.info({ orderId: order.id }, 'resuming a pending checkout');
      const outcome = await callPayment(order, request, token, {
        method: 'POST',
        path: '/payment/charges',
        body: {
          amount: order.amount,
          currency: order.currency,
          card,
          description: `myshop order ${order.id}`,
          metadata: { orderId: order.id },
        },
      });
      await refuseIfTokenRanOut(order, outcome, token);
      return settle(order, outcome, log);
    }
    throw checkoutPending();
  };

  /** A token for payment, acting for the shopper of `request` (exchanged at the user service). */
  async function paymentToken(request: CheckoutRequest): Promise<PaymentToken> {
    const token = await tokens.forUser(request.incoming, SCOPES.charge);
    if (token.kind === 'ok') return { token: token.token, expiresAt: token.expiresAt };
    if (token.kind === 'refused' && token.code === SUBJECT_TOKEN_REFUSED) {
      // The shopper's own token, good here a few seconds more (clock tolerance) but not at the
      // user service: the shopper signs in again.
      throw invalidToken();
    }
    // Each field keeps one type in every line (a log store maps a field's type once): `status` is
    // an HTTP status, `reason` a word.
    const why = token.kind === 'refused' ? { status: token.status, code: token.code } : { reason: token.reason };
    request.log.warn(why, 'no payment token for checkout');
    throw new PaymentUnavailableError();
  }

  /** Asks payment about `order`'s charge, as cart acting for the shopper. */
  function callPayment(
    order: PendingOrder,
    request: CheckoutRequest,
    token: PaymentToken,
    call: { method: 'POST'; path: string; body?: unknown },
  ): Promise<ChargeAnswer> {
    return payment.request({
      ...call,
      headers: { 'idempotency-key': paymentIdempotencyKey(order.idempotencyKey), authorization: `Bearer ${token.token}` },
      incoming: request.incoming,
      schema: ChargeCreated,
      // Payment keeps the key: a try cut short by a replica dying is sent again, and answered once.
      repeatable: true,
    });
  }

  /**
   * Another key's checkout of this cart whose attempt is over with the outcome unknown: payment
   * voids its charge attempt (so a late retry can never charge) or answers what it did.
   */
  async function settleUnfinished(order: PendingOrder, request: CheckoutRequest, token: PaymentToken): Promise<void> {
    request.log.info({ orderId: order.id }, 'settling an unfinished checkout of this cart first');
    const outcome = await callPayment(order, request, token, { method: 'POST', path: '/payment/charges/void' });
    await refuseIfTokenRanOut(order, outcome, token);
    // Still running at payment: that checkout is not over after all. Or its key holds something
    // else there (a refund, by a shopper who is also an operator): it stays pending, and this
    // checkout's own key was not the one reused.
    const stillRunning = outcome.kind === 'rejected' && outcome.status === 409 && outcome.code !== 'PAYMENT_CHARGE_VOIDED';
    const keyTaken = outcome.kind === 'rejected' && outcome.status === 422 && outcome.code === 'PAYMENT_IDEMPOTENCY_KEY_REUSED';
    if (stillRunning || keyTaken) {
      await orders.release(order);
      throw checkoutPending();
    }
    // Voided (abandoned), charged (paid) or declined; anything else leaves it pending (503…).
    await settle(order, outcome, request.log);
  }

  /**
   * Payment refused the token because it ran out meanwhile: it runs out with the shopper's, which
   * may have been in its last seconds (inside the clock tolerance) when the checkout began, and the
   * charge comes later (after a wait for the cart's lock, a void, a second try). That is the
   * shopper's to renew, not our integration's fault: the order stays pending for a retry of its key
   * with a new token. A token refused before it ran out is a fault of ours (settle: 502, logged).
   */
  async function refuseIfTokenRanOut(order: PendingOrder, outcome: ChargeAnswer, token: PaymentToken): Promise<void> {
    if (outcome.kind !== 'rejected' || outcome.status !== 401 || Date.now() < token.expiresAt) return;
    await orders.release(order);
    throw invalidToken();
  }

  /** Records payment's final answer on the order; anything else leaves it pending for a retry. */
  async function settle(order: PendingOrder, outcome: ChargeAnswer, log: FastifyBaseLogger): Promise<CheckoutAnswer> {
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

    if (outcome.kind === 'rejected' && outcome.status === 409 && outcome.code === 'PAYMENT_CHARGE_VOIDED') {
      // Another checkout of the cart voided this one's charge while it was away: it never will be.
      const body = errorBody(409, ABANDONED.code, ABANDONED.message);
      return finish(order, { status: 'failed', failureCode: ABANDONED.failureCode, response: { statusCode: 409, body } }, log);
    }

    // No final answer: the order stays pending and the key may be retried right away.
    await orders.release(order);
    if (outcome.kind === 'unavailable') {
      log.warn({ orderId: order.id, reason: outcome.reason, status: outcome.status, detail: outcome.detail }, 'payment unavailable');
      throw new PaymentUnavailableError();
    }
    if (outcome.status === 409) throw checkoutInProgress();
    if (outcome.status === 422 && outcome.code === 'PAYMENT_IDEMPOTENCY_KEY_REUSED') throw new CheckoutKeyReusedError();
    log.error({ orderId: order.id, status: outcome.status, code: outcome.code }, 'payment refused the charge request');
    throw new PaymentFailedError();
  }

  async function finish(order: PendingOrder, settlement: Settlement, log: FastifyBaseLogger): Promise<CheckoutAnswer> {
    const { response, settledNow } = await orders.settle(order, settlement);
    if (settledNow) {
      log.info(
        {
          orderId: order.id,
          // Not `status`: other lines carry an HTTP status there, a number.
          orderStatus: settlement.status,
          failureCode: settlement.status === 'failed' ? settlement.failureCode : undefined,
          amount: order.amount,
          chargeId: settlement.status === 'paid' ? settlement.chargeId : undefined,
        },
        'order settled',
      );
    }
    return { response, replayed: !settledNow };
  }
}
