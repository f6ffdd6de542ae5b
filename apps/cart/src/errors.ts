import { defineError, withRetryAfter } from '@myshop/errors';

export const InvalidCursorError = defineError('CART_INVALID_CURSOR', 'The cursor is not one this service issued', 400);
export const InvalidCardNumberError = defineError('CART_INVALID_CARD_NUMBER', 'The card number is not valid', 400);
/** A catalogue page asked for on condition (If-Match) that it is one the client holds, and it is not. */
export const PreconditionFailedError = defineError('CART_PRECONDITION_FAILED', 'The catalogue answer is not the one If-Match names', 412);

export const ProductNotFoundError = defineError('CART_PRODUCT_NOT_FOUND', 'Product not found', 404);
export const ItemNotFoundError = defineError('CART_ITEM_NOT_FOUND', 'This product is not in the cart', 404);
export const OrderNotFoundError = defineError('CART_ORDER_NOT_FOUND', 'Order not found', 404);

export const QuantityLimitError = defineError('CART_QUANTITY_LIMIT', 'A cart line holds at most %d of a product', 422);
export const LineLimitError = defineError('CART_LINE_LIMIT', 'A cart holds at most %d different products', 422);
export const AmountLimitError = defineError('CART_AMOUNT_LIMIT', 'An order may total at most %d minor units', 422);

/** A shopper whose last checkouts were all declined, within the window: card testing, or a flood of orders. */
export const TooManyDeclinesError = defineError('CART_TOO_MANY_DECLINES', 'Too many declined checkouts, try again later', 429);

export const CartEmptyError = defineError('CART_EMPTY', 'The cart is empty: there is nothing to check out', 409);
export const CheckoutInProgressError = defineError(
  'CART_CHECKOUT_IN_PROGRESS',
  'A checkout with this Idempotency-Key is still being processed, retry shortly',
  409,
);
/** Another attempt holds this key's order: worth retrying in a moment, so the answer says when (as payment's does). */
export function checkoutInProgress(): Error {
  return withRetryAfter(new CheckoutInProgressError(), 1);
}
/**
 * One cart, one payment: while a checkout of the cart is being paid, another one (a double click,
 * a client that makes a new key per attempt) is refused instead of charging the same cart again.
 */
export const CheckoutPendingError = defineError(
  'CART_CHECKOUT_PENDING',
  'Another checkout of this cart is being paid; retry shortly to see its outcome',
  409,
);
export function checkoutPending(): Error {
  return withRetryAfter(new CheckoutPendingError(), 1);
}
/** What a checkout abandoned before payment answered is settled as, and what its key then replays. */
export const ABANDONED = {
  failureCode: 'abandoned',
  code: 'CART_CHECKOUT_ABANDONED',
  message: 'This checkout was abandoned before it was paid: nothing was charged',
} as const;
export const CheckoutKeyReusedError = defineError(
  'CART_CHECKOUT_KEY_REUSED',
  'This Idempotency-Key was already used for a checkout with different payment details',
  422,
);

/** Payment could not be reached or did not answer in time: nothing was lost, the same key may be retried. */
export const PaymentUnavailableError = defineError(
  'CART_PAYMENT_UNAVAILABLE',
  'Payment is unavailable right now; retry with the same Idempotency-Key',
  503,
);
/** Payment refused the request itself (not the card): our integration is at fault, so it is logged. */
export const PaymentFailedError = defineError('CART_PAYMENT_FAILED', 'Payment refused the request; retry later', 502);
