import { errorResponses } from '@myshop/schemas';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { OrderNotFoundError } from '../errors.ts';
import { ordersRepository } from '../orders-repository.ts';
import { Order, OrderParams } from '../schemas.ts';

export const getOrderRoute: FastifyPluginAsyncTypebox = async (app) => {
  const orders = ordersRepository(app.db);

  app.get(
    '/orders/:id',
    {
      onRequest: app.authenticate,
      schema: {
        summary: "One of the caller's orders (another user's is 404)",
        tags: ['orders'],
        security: [{ bearerAuth: [] }],
        params: OrderParams,
        response: { 200: Order, ...errorResponses(401, 404, 503) },
      },
    },
    async (request) => {
      const order = await orders.find(request.user.id, request.params.id);
      if (!order) throw new OrderNotFoundError();
      return order;
    },
  );
};
