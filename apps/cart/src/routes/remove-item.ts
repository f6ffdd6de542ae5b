import { errorResponses } from '@myshop/schemas';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { cartsRepository } from '../carts-repository.ts';
import { Cart, ItemParams } from '../schemas.ts';

export const removeItemRoute: FastifyPluginAsyncTypebox<{ currency: string }> = async (app, { currency }) => {
  const carts = cartsRepository(app.db, currency);

  app.delete(
    '/items/:productId',
    {
      onRequest: app.authenticate,
      schema: {
        summary: 'Take a product out of the cart',
        tags: ['cart'],
        security: [{ bearerAuth: [] }],
        params: ItemParams,
        response: { 200: Cart, ...errorResponses(401, 404, 503) },
      },
    },
    async (request) => carts.removeItem(request.user.id, request.params.productId),
  );
};
