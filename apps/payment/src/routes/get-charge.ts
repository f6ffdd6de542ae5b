import { OPERATOR_ROLE } from '@myshop/auth';
import { errorResponses } from '@myshop/schemas';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { chargesRepository } from '../charges-repository.ts';
import { isUuid } from '@myshop/schemas';
import { ChargeNotFoundError } from '../errors.ts';
import { Charge, ChargeParams } from '../schemas.ts';

export const getChargeRoute: FastifyPluginAsyncTypebox = async (app) => {
  const charges = chargesRepository(app.db);

  app.get(
    '/charges/:id',
    {
      onRequest: app.authenticate,
      schema: {
        summary: "One of the caller's charges (an operator: anyone's)",
        description: "Another user's charge is answered exactly like an unknown one: 404. An operator sees every charge (to refund it).",
        tags: ['charges'],
        security: [{ bearerAuth: [] }],
        params: ChargeParams,
        response: { 200: Charge, ...errorResponses(401, 403, 404, 503) },
      },
    },
    async (request) => {
      const { id } = request.params;
      const anyUser = request.user.roles.includes(OPERATOR_ROLE);
      const charge = isUuid(id) ? await charges.find(request.user.id, id, { anyUser }) : undefined;
      if (!charge) throw new ChargeNotFoundError();
      return charge;
    },
  );
};
