import { defineError, errorBody, type ErrorBody } from '@myshop/errors';
import type { FailureCode } from './cards.ts';

// Requests we refuse before anything happens (400): the Idempotency-Key stays unused.
export const InvalidCardNumberError = defineError('PAYMENT_INVALID_CARD_NUMBER', 'The card number is not valid', 400);
export const CurrencyNotAcceptedError = defineError('PAYMENT_CURRENCY_NOT_ACCEPTED', 'This shop only accepts %s', 400);
export const InvalidCursorError = defineError('PAYMENT_INVALID_CURSOR', 'The cursor is not one this service issued', 400);
export const CardNumberInTextError = defineError(
  'PAYMENT_CARD_NUMBER_IN_TEXT',
  'The description and metadata must not hold a card number: it would be stored as written',
  400,
);

export const ChargeNotFoundError = defineError('PAYMENT_CHARGE_NOT_FOUND', 'Charge not found', 404);
export const ChargeNotRefundableError = defineError('PAYMENT_CHARGE_NOT_REFUNDABLE', 'Only a succeeded charge can be refunded', 409);
export const RefundExceedsChargeError = defineError(
  'PAYMENT_REFUND_EXCEEDS_CHARGE',
  'The refund exceeds what is left of the charge (%d left)',
  422,
);

export const IdempotencyKeyReusedError = defineError(
  'PAYMENT_IDEMPOTENCY_KEY_REUSED',
  'This Idempotency-Key was already used for a different request',
  422,
);
export const IdempotencyInProgressError = defineError(
  'PAYMENT_IDEMPOTENCY_IN_PROGRESS',
  'A request with this Idempotency-Key is still being processed, retry shortly',
  409,
);

/**
 * Declines are answers, not faults: stored with the failed charge and replayed like any response.
 * They keep the lowercase codes of payment processors (`card_declined`), which clients and the
 * cart pass along as they are; @fastify/error would upper-case them, so they are plain data.
 */
export const DECLINES = {
  card_declined: 'The card was declined',
  insufficient_funds: 'The card has insufficient funds',
  expired_card: 'The card has expired',
} as const satisfies Record<FailureCode, string>;

/** A decline in the shape of every error response: `{ statusCode, code, error, message }`. */
export function declineBody(failureCode: FailureCode): ErrorBody {
  return errorBody(402, failureCode, DECLINES[failureCode]);
}

/** The attempt with this Idempotency-Key was voided before it charged: no charge was made, and none will be. */
export const CHARGE_VOIDED = {
  code: 'PAYMENT_CHARGE_VOIDED',
  message: 'The charge attempt with this Idempotency-Key was voided: nothing was charged, and nothing will be',
} as const;
export function voidedBody(): ErrorBody {
  return errorBody(409, CHARGE_VOIDED.code, CHARGE_VOIDED.message);
}
