import type { FastifyPluginAsync } from 'fastify';
import { createChargeRoute } from './create-charge.ts';
import { createRefundRoute } from './create-refund.ts';
import { getChargeRoute } from './get-charge.ts';
import { listChargesRoute } from './list-charges.ts';

/** Everything under /payment; every route needs a signed-in user. */
export const paymentRoutes: FastifyPluginAsync<{ currency: string }> = async (app, { currency }) => {
  await app.register(createChargeRoute, { currency });
  await app.register(listChargesRoute);
  await app.register(getChargeRoute);
  await app.register(createRefundRoute);
};
