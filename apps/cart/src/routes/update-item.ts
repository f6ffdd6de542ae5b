import { errorResponses } from '@myshop/schemas';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { cartsRepository } from '../carts-repository.ts';
import { Cart, ItemParams, UpdateItemBody } from '../schemas.ts';

export const updateItemRoute: FastifyPluginAsyncTypebox<{ currency: string }> = async (app, { currency }) => {
  const carts = cartsRepository(app.db, currency);

  app.put(
    '/items/:productId',
    {
      onRequest: app.authenticate,
      schema: {
        summary: 'Set the quantity of a product already in the cart',
        tags: ['cart'],
        security: [{ bearerAuth: [] }],
        params: ItemParams,
        body: UpdateItemBody,
        response: { 200: Cart, ...errorResponses(400, 401, 404, 413, 415, 422, 503) },
      },
    },
    async (request) => carts.setQuantity(request.user.id, request.params.productId, request.body.quantity),
  );
};
