import { errorResponses } from '@myshop/schemas';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ProductNotFoundError } from '../errors.ts';
import { Product, ProductParams } from '../schemas.ts';
import { CATALOGUE_CACHE_CONTROL, CatalogueCacheHeaders } from './list-products.ts';

/**
 * From the catalogue in memory (plugins/catalogue.ts): no database round trip. Public and the same
 * for everyone, cached as the catalogue's pages are; a 404 is not (the next catalogue may have it).
 */
export const getProductRoute: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/products/:id',
    {
      schema: {
        summary: 'One product (public)',
        tags: ['catalogue'],
        params: ProductParams,
        response: {
          200: Type.Object(Product.properties, { headers: CatalogueCacheHeaders }),
          ...errorResponses(404, 503),
        },
      },
    },
    async (request, reply) => {
      const product = app.catalogue.find(request.params.id);
      if (!product) throw new ProductNotFoundError();
      reply.header('cache-control', CATALOGUE_CACHE_CONTROL);
      return product;
    },
  );
};
