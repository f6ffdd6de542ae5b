import { errorResponses } from '@myshop/schemas';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ProductNotFoundError } from '../errors.ts';
import { Product, ProductParams } from '../schemas.ts';

/** From the catalogue in memory (plugins/catalogue.ts): no database round trip. */
export const getProductRoute: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/products/:id',
    {
      schema: {
        summary: 'One product (public)',
        tags: ['catalogue'],
        params: ProductParams,
        response: { 200: Product, ...errorResponses(404, 503) },
      },
    },
    async (request) => {
      const product = app.catalogue.find(request.params.id);
      if (!product) throw new ProductNotFoundError();
      return product;
    },
  );
};
