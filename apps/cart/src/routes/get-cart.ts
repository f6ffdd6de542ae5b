import { errorResponses } from '@myshop/schemas';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { cartsRepository } from '../carts-repository.ts';
import { Cart } from '../schemas.ts';

export const getCartRoute: FastifyPluginAsyncTypebox<{ currency: string }> = async (app, { currency }) => {
  const carts = cartsRepository(app.db, currency);

  app.get(
    '/',
    {
      onRequest: app.authenticate,
      schema: {
        summary: "The caller's cart, priced from the catalogue",
        tags: ['cart'],
        security: [{ bearerAuth: [] }],
        response: { 200: Cart, ...errorResponses(401, 503) },
      },
    },
    async (request) => carts.get(request.user.id),
  );
};
