import { errorResponses, Page, PageQuery } from '@myshop/schemas';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { catalogueRepository } from '../catalogue-repository.ts';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import { Product } from '../schemas.ts';

export const listProductsRoute: FastifyPluginAsyncTypebox<{ currency: string }> = async (app, { currency }) => {
  const catalogue = catalogueRepository(app.db, currency);

  app.get(
    '/products',
    {
      schema: {
        summary: 'The catalogue by name, a page at a time (public)',
        tags: ['catalogue'],
        querystring: PageQuery,
        response: { 200: Page(Product), ...errorResponses(400, 503) },
      },
    },
    async (request) => {
      const { limit, cursor } = request.query;
      // The cursor names the last product seen; its id stays short whatever the product is called.
      const after = cursor === undefined ? undefined : decodeCursor(cursor, ['uuid'] as const)[0];
      // One more than asked: whether it exists says if there is a next page.
      const products = await catalogue.list(limit + 1, after);
      const items = products.slice(0, limit);
      const last = items.at(-1);
      return { items, nextCursor: products.length > limit && last ? encodeCursor([last.id]) : null };
    },
  );
};
