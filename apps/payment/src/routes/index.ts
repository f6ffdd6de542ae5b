import type { FastifyPluginAsync } from 'fastify';
import { createChargeRoute } from './create-charge.ts';
import { createRefundRoute } from './create-refund.ts';
import { getChargeRoute } from './get-charge.ts';
import { listChargesRoute } from './list-charges.ts';
import { refundFeedRoute } from './refund-feed.ts';
import { voidChargeRoute } from './void-charge.ts';

/**
 * Everything under /payment. Who may move money: charges only by the cart service acting for a
 * shopper at checkout; refunds only by an operator; shoppers read their own charges.
 */
export const paymentRoutes: FastifyPluginAsync<{ currency: string }> = async (app, { currency }) => {
  await app.register(createChargeRoute, { currency });
  await app.register(listChargesRoute);
  await app.register(getChargeRoute);
  await app.register(createRefundRoute);
  await app.register(voidChargeRoute);
  await app.register(refundFeedRoute);
};
