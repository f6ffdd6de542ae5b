import { errorResponses } from '@myshop/schemas';
import { createdResponse } from '@myshop/server';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { cartsRepository } from '../carts-repository.ts';
import { AddItemBody, Cart } from '../schemas.ts';

export const addItemRoute: FastifyPluginAsyncTypebox<{ currency: string }> = async (app, { currency }) => {
  const carts = cartsRepository(app.db, currency);

  app.post(
    '/items',
    {
      onRequest: app.authenticate,
      schema: {
        summary: 'Put a product in the cart (adds to its line when it is there already)',
        description: 'At most 99 of a product per line (422 CART_QUANTITY_LIMIT) and 50 lines (422 CART_LINE_LIMIT).',
        tags: ['cart'],
        security: [{ bearerAuth: [] }],
        body: AddItemBody,
        response: {
          201: createdResponse(Cart, 'GET /cart (a line is read as part of its cart)'),
          ...errorResponses(400, 401, 404, 413, 415, 422, 503),
        },
      },
    },
    async (request, reply) => {
      const { productId, quantity } = request.body;
      const cart = await carts.addItem(request.user.id, productId, quantity);
      return reply.code(201).header('location', app.prefix).send(cart);
    },
  );
};
