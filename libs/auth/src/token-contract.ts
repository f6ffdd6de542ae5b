/**
 * What every access token of the shop says, and what the services check. The user service is the
 * one issuer; each token names who may accept it (`aud`) and what it allows (`scope`, `roles`).
 *
 * - A shopper's token (from POST /user/login): `aud` is the public API's audience (JWT_AUDIENCE),
 *   `sub` the user, `client_id` the shop's own front end, `roles` only what an operator granted.
 * - A service's token (from POST /user/oauth/token): `aud` is the one service it calls (payment),
 *   `client_id` the calling service, `scope` what it may do there; on behalf of a user, `sub` is that
 *   user and `act.sub` the service acting for them (RFC 8693); for itself, `sub` is its client id.
 *
 * Every access token is typed `at+jwt` (RFC 9068), so an ID token or any other JWT signed with the
 * same key is never taken for one.
 */
export const ACCESS_TOKEN_TYPE = 'at+jwt';

/** The `client_id` of tokens issued at login: the shop's own (first-party) clients. */
export const SHOP_CLIENT_ID = 'myshop';

/** The only role there is: may refund any charge. Registration never grants it. */
export const OPERATOR_ROLE = 'operator';
export type Role = typeof OPERATOR_ROLE;
export const ROLES: readonly Role[] = [OPERATOR_ROLE];

/** What a service token may allow at payment. */
export const SCOPES = {
  /** Charge a user's card (and void a charge attempt that never finished), on behalf of that user. */
  charge: 'payment:charge',
  /** Read the feed of refunds, to show them on orders. */
  readRefunds: 'payment:refunds:read',
} as const;
export type Scope = (typeof SCOPES)[keyof typeof SCOPES];

/** Who is calling, as a verified token says. */
export interface Principal {
  /** The user the request is for (a service token's `sub` when it acts for itself: its client id). */
  id: string;
  roles: readonly string[];
  /** The service acting on the user's behalf, if any (`act.sub`). */
  actor?: string;
  /** The client the token was issued to. */
  clientId?: string;
  scopes: readonly string[];
}

/** The audience of tokens for the payment service: never JWT_AUDIENCE, the public API's (audienceProblems). */
export const PAYMENT_AUDIENCE = 'payment';

/** What every service's OpenAPI document says of who may move money (its `info.description`). */
export const WHO_CAN_MOVE_MONEY = [
  '## Who can move money',
  '- A shopper pays for their own cart (POST /cart/checkout) and reads their own orders and charges; a shopper’s token never charges at payment and never refunds (403).',
  '- The cart service charges a shopper’s card at checkout only, acting for that shopper: a token for audience `payment`, scope `payment:charge`, exchanged for the shopper’s own at POST /user/oauth/token (RFC 8693); it names cart in `act.sub` and never outlives the shopper’s token. A token minted for payment is refused by cart and user (401).',
  '- An operator (an account granted the `operator` role with the user service’s operators command; registration never grants it) refunds any charge. A refund, however made, shows on the order it paid for.',
  '- One cart, one payment: while a checkout of a cart is being paid, another checkout of it with another Idempotency-Key is 409 CART_CHECKOUT_PENDING.',
].join('\n');
