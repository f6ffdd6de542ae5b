import { CardDetails, CurrencyCode, MinorUnits, Timestamp, Uuid } from '@myshop/schemas';
import { Type, type Static } from 'typebox';

/** What one charge or refund may move: 1 minor unit up to 999,999.99 in a two-decimal currency. */
export const ChargeAmount = Type.Integer({ minimum: 1, maximum: 99_999_999 });

const METADATA_KEY = '^[A-Za-z0-9_.:-]{1,40}$';

/**
 * Free-form labels for the caller's own bookkeeping (an order id…): small and flat. The key rule is
 * said twice: @fastify/swagger writes patternProperties as plain additionalProperties, losing the
 * pattern, so propertyNames is what the OpenAPI document shows of it.
 */
export const Metadata = Type.Record(Type.String({ pattern: METADATA_KEY }), Type.String({ maxLength: 500 }), {
  maxProperties: 20,
  additionalProperties: false,
  propertyNames: { type: 'string', pattern: METADATA_KEY },
});

export const CreateChargeBody = Type.Object(
  {
    amount: ChargeAmount,
    currency: CurrencyCode,
    card: CardDetails,
    description: Type.Optional(Type.String({ maxLength: 500 })),
    metadata: Type.Optional(Metadata),
  },
  { additionalProperties: false },
);
export type CreateChargeBody = Static<typeof CreateChargeBody>;

export const ChargeStatus = Type.Union([Type.Literal('succeeded'), Type.Literal('failed')]);

export const Charge = Type.Object({
  id: Uuid,
  status: ChargeStatus,
  amount: ChargeAmount,
  amountRefunded: MinorUnits,
  currency: CurrencyCode,
  card: Type.Object({ brand: Type.String(), last4: Type.String() }),
  description: Type.Union([Type.String(), Type.Null()]),
  metadata: Type.Record(Type.String(), Type.String()),
  /** Why a failed charge failed (`card_declined`…); null when it succeeded. */
  failureCode: Type.Union([Type.String(), Type.Null()]),
  createdAt: Timestamp,
});
export type Charge = Static<typeof Charge>;

/** Any string: an id that cannot exist is as unknown as one that does not (404, not 400). */
export const ChargeParams = Type.Object({ id: Type.String({ maxLength: 100 }) }, { additionalProperties: false });

export const CreateRefundBody = Type.Object(
  {
    /** Defaults to everything not refunded yet. */
    amount: Type.Optional(ChargeAmount),
  },
  { additionalProperties: false },
);
export type CreateRefundBody = Static<typeof CreateRefundBody>;

export const Refund = Type.Object({
  id: Uuid,
  chargeId: Uuid,
  amount: ChargeAmount,
  createdAt: Timestamp,
});
export type Refund = Static<typeof Refund>;

/** A refund as the refund feed gives it, with the order its charge paid for (metadata.orderId). */
export const RefundEvent = Type.Object({
  id: Uuid,
  chargeId: Uuid,
  orderId: Type.Union([Type.String(), Type.Null()]),
  amount: ChargeAmount,
  createdAt: Timestamp,
});
export type RefundEvent = Static<typeof RefundEvent>;

export const REFUND_FEED_PAGE_SIZE = 100;

/** `limit` may be left out (Optional keeps it out of `required`); the validator fills in the default. */
export const RefundFeedQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: REFUND_FEED_PAGE_SIZE })),
    /** The `nextCursor` of the previous page; absent: from the first refund ever made. */
    after: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);

export const RefundFeedPage = Type.Object({
  items: Type.Array(RefundEvent),
  /** Where to continue; the same as `after` when there was nothing new (poll again later). */
  nextCursor: Type.String(),
});
