import { CardDetails, CurrencyCode, MinorUnits, Timestamp, Uuid } from '@myshop/schemas';
import { Type, type Static } from 'typebox';

/** At most this many of one product in a cart line. */
export const MAX_LINE_QUANTITY = 99;
/** At most this many different products in one cart. */
export const MAX_CART_LINES = 50;
/** The most one charge may be, as the payment service accepts it. */
export const MAX_ORDER_AMOUNT = 99_999_999;

/**
 * A whole number of at least 1. The upper bound (99 per line) is a business rule checked after
 * validation, so that "too many" is always 422 CART_QUANTITY_LIMIT, whether one request asks for
 * 100 or adding 60 to a line of 40 would make 100.
 */
export const Quantity = Type.Integer({ minimum: 1, description: `1–${MAX_LINE_QUANTITY} per line; above is 422 CART_QUANTITY_LIMIT` });

/** Ids in paths are any short string: an id that cannot exist is as unknown as one that does not (404). */
const PathId = Type.String({ maxLength: 100 });

export const Product = Type.Object({
  id: Uuid,
  name: Type.String(),
  description: Type.String(),
  price: MinorUnits,
  currency: CurrencyCode,
});
export type Product = Static<typeof Product>;

export const ProductParams = Type.Object({ id: PathId }, { additionalProperties: false });

export const CartLine = Type.Object({
  productId: Uuid,
  name: Type.String(),
  quantity: Type.Integer({ minimum: 1, maximum: MAX_LINE_QUANTITY }),
  unitPrice: MinorUnits,
  lineTotal: MinorUnits,
});
export type CartLine = Static<typeof CartLine>;

export const Cart = Type.Object({
  items: Type.Array(CartLine),
  subtotal: MinorUnits,
  currency: CurrencyCode,
});
export type Cart = Static<typeof Cart>;

export const AddItemBody = Type.Object({ productId: Uuid, quantity: Quantity }, { additionalProperties: false });
export type AddItemBody = Static<typeof AddItemBody>;

export const UpdateItemBody = Type.Object({ quantity: Quantity }, { additionalProperties: false });

export const ItemParams = Type.Object({ productId: PathId }, { additionalProperties: false });

export const CheckoutBody = Type.Object({ card: CardDetails }, { additionalProperties: false });

/**
 * pending: payment has not answered for sure (retrying the checkout's key settles it); paid, then
 * partially_refunded or refunded as refunds of its charge are made; failed: declined, or abandoned
 * before anything was charged.
 */
export const OrderStatus = Type.Union([
  Type.Literal('pending'),
  Type.Literal('paid'),
  Type.Literal('partially_refunded'),
  Type.Literal('refunded'),
  Type.Literal('failed'),
]);
export type OrderStatus = Static<typeof OrderStatus>;

export const CheckoutResult = Type.Object({
  orderId: Uuid,
  status: Type.Literal('paid'),
  amount: MinorUnits,
  currency: CurrencyCode,
  chargeId: Type.String(),
  items: Type.Array(CartLine),
});
export type CheckoutResult = Static<typeof CheckoutResult>;

export const Order = Type.Object({
  id: Uuid,
  /** pending while payment has not answered for sure; retrying the checkout's key settles it. */
  status: OrderStatus,
  amount: MinorUnits,
  /** What refunds of its charge gave back so far (however they were made). */
  amountRefunded: MinorUnits,
  currency: CurrencyCode,
  chargeId: Type.Union([Type.String(), Type.Null()]),
  /** The payment service's code when the charge was refused (`card_declined`…), or `abandoned`. */
  failureCode: Type.Union([Type.String(), Type.Null()]),
  items: Type.Array(CartLine),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Order = Static<typeof Order>;

export const OrderParams = Type.Object({ id: PathId }, { additionalProperties: false });

/** What this service needs of the payment service's answer to a charge; the rest is payment's business. */
export const ChargeCreated = Type.Object({
  id: Type.String({ minLength: 1 }),
  status: Type.Literal('succeeded'),
  amount: Type.Integer(),
  currency: Type.String(),
});
