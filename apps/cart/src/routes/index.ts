import type { FastifyPluginAsync } from 'fastify';
import type { CardFingerprint } from '../card-fingerprint.ts';
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
}

/** Everything under /cart. */
export const cartRoutes: FastifyPluginAsync<CartRoutesOptions> = async (app, { currency, checkoutLeaseMs, cardFingerprint }) => {
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
  await app.register(checkoutRoute, { currency, leaseMs: checkoutLeaseMs, cardFingerprint });
  await app.register(listOrdersRoute);
  await app.register(getOrderRoute);
};
