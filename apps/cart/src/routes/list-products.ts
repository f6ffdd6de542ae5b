import { DEFAULT_PAGE_SIZE, errorResponses, Page, PageQuery, paginate } from '@myshop/schemas';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { decodeIdCursor } from '../cursor.ts';
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
      const after = cursor === undefined ? undefined : decodeIdCursor(cursor);
      return paginate(limit, (count) => app.catalogue.list(count, after), (product) => [product.id]);
    },
  );
};
