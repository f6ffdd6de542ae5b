import type { FastifyPluginAsync } from 'fastify';
import type { CardFingerprint } from '../card-fingerprint.ts';
import type { DeclineLimit } from '../orders-repository.ts';
import { addItemRoute } from './add-item.ts';
import { checkoutRoute } from './checkout.ts';
import { clearCartRoute } from './clear-cart.ts';
import { getCartRoute } from './get-cart.ts';
import { getOrderRoute } from './get-order.ts';
import { getProductRoute } from './get-product.ts';
import { listOrdersRoute } from './list-orders.ts';
import { listProductsRoute } from './list-products.ts';
import { removeItemRoute } from './remove-item.ts';
import { updateItemRoute } from './update-item.ts';

export interface CartRoutesOptions {
  currency: string;
  /** How long one checkout attempt keeps others with the same key waiting. */
  checkoutLeaseMs: number;
  /** Tells a retry of a checkout key with another card from a retry with the same one. */
  cardFingerprint: CardFingerprint;
  /** Declines in a row after which a shopper's new checkout waits (429). */
  checkoutDeclineLimit: DeclineLimit;
}

/** Everything under /cart. */
export const cartRoutes: FastifyPluginAsync<CartRoutesOptions> = async (
  app,
  { currency, checkoutLeaseMs, cardFingerprint, checkoutDeclineLimit },
) => {
  // The catalogue, public, from memory (the currency is the catalogue plugin's).
  await app.register(listProductsRoute);
  await app.register(getProductRoute);
  // The signed-in user's cart.
  await app.register(getCartRoute, { currency });
  await app.register(addItemRoute, { currency });
  await app.register(updateItemRoute, { currency });
  await app.register(removeItemRoute, { currency });
  await app.register(clearCartRoute, { currency });
  // Checkout and its orders.
  await app.register(checkoutRoute, { currency, leaseMs: checkoutLeaseMs, cardFingerprint, declineLimit: checkoutDeclineLimit });
  await app.register(listOrdersRoute);
  await app.register(getOrderRoute);
};
