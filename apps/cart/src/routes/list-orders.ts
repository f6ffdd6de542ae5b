import { DEFAULT_PAGE_SIZE, errorResponses, Page, PageQuery, paginate } from '@myshop/schemas';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { decodeIdCursor } from '../cursor.ts';
import { ordersRepository } from '../orders-repository.ts';
import { Order } from '../schemas.ts';

export const listOrdersRoute: FastifyPluginAsyncTypebox = async (app) => {
  const orders = ordersRepository(app.db);

  app.get(
    '/orders',
    {
      onRequest: app.authenticate,
      schema: {
        summary: "The caller's orders, newest first",
        tags: ['orders'],
        security: [{ bearerAuth: [] }],
        querystring: PageQuery,
        response: { 200: Page(Order), ...errorResponses(400, 401, 503) },
      },
    },
    async (request) => {
      // The validator fills in the default; the fallback is for the type checker.
      const { limit = DEFAULT_PAGE_SIZE, cursor } = request.query;
      // The cursor is the page's last order, one of the caller's own: it says nothing shop-wide.
      const after = cursor === undefined ? undefined : decodeIdCursor(cursor);
      return paginate(
        limit,
        (count) => orders.list(request.user.id, count, after),
        (order) => [order.id],
      );
    },
  );
};
