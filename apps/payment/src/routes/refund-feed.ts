import { SCOPES } from '@myshop/auth';
import { encodeCursor, errorResponses } from '@myshop/schemas';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { FEED_START, readRefundFeed } from '../charges-repository.ts';
import { decodeFeedCursor } from '../cursor.ts';
import { REFUND_FEED_PAGE_SIZE, RefundFeedPage, RefundFeedQuery } from '../schemas.ts';

export const refundFeedRoute: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/refunds',
    {
      onRequest: app.authorize({ serviceScope: SCOPES.readRefunds }),
      schema: {
        summary: 'Every refund, in commit order (for the cart service)',
        description:
          'Needs a payment token with scope payment:refunds:read (the cart service, for itself). ' +
          'Pages of refunds in the order they were committed; `nextCursor` continues after the last ' +
          'one and never skips a refund committed later. Cart shows refunds on its orders from it.',
        tags: ['refunds'],
        security: [{ bearerAuth: [] }],
        querystring: RefundFeedQuery,
        response: { 200: RefundFeedPage, ...errorResponses(400, 401, 403, 503) },
      },
    },
    async (request) => {
      // The validator fills in the default; the fallback is for the type checker.
      const { limit = REFUND_FEED_PAGE_SIZE, after } = request.query;
      const position = after === undefined ? FEED_START : decodeFeedCursor(after);
      const rows = await readRefundFeed(app.db, position, limit);
      const last = rows.at(-1);
      return {
        items: rows.map(({ position: _position, ...event }) => event),
        nextCursor: encodeCursor(last ? [last.position.txid, last.position.id] : [position.txid, position.id]),
      };
    },
  );
};
