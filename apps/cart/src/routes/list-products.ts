import { DEFAULT_PAGE_SIZE, errorResponses, Page, PageQuery } from '@myshop/schemas';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import { Product } from '../schemas.ts';

/** From the catalogue in memory (plugins/catalogue.ts): no database round trip. */
export const listProductsRoute: FastifyPluginAsyncTypebox = async (app) => {
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
      // The validator fills in the default; the fallback is for the type checker.
      const { limit = DEFAULT_PAGE_SIZE, cursor } = request.query;
      // The cursor names the last product seen; its id stays short whatever the product is called.
      const after = cursor === undefined ? undefined : decodeCursor(cursor);
      // One more than asked: whether it exists says if there is a next page.
      const products = app.catalogue.list(limit + 1, after);
      const items = products.slice(0, limit);
      const last = items.at(-1);
      return { items, nextCursor: products.length > limit && last ? encodeCursor(last.id) : null };
    },
  );
};
