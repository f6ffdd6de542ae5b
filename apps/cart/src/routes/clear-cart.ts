import { errorResponses } from '@myshop/schemas';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { cartsRepository } from '../carts-repository.ts';

export const clearCartRoute: FastifyPluginAsyncTypebox<{ currency: string }> = async (app, { currency }) => {
  const carts = cartsRepository(app.db, currency);

  app.delete(
    '/',
    {
      onRequest: app.authenticate,
      schema: {
        summary: 'Empty the cart',
        tags: ['cart'],
        security: [{ bearerAuth: [] }],
        response: { 204: Type.Null({ description: 'The cart is empty' }), ...errorResponses(401, 503) },
      },
    },
    async (request, reply) => {
      await carts.clear(request.user.id);
      return reply.code(204).send(null);
    },
  );
};
