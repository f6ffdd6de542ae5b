import { errorResponses } from '@myshop/schemas';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { catalogueRepository } from '../catalogue-repository.ts';
import { ProductNotFoundError } from '../errors.ts';
import { Product, ProductParams } from '../schemas.ts';

export const getProductRoute: FastifyPluginAsyncTypebox<{ currency: string }> = async (app, { currency }) => {
  const catalogue = catalogueRepository(app.db, currency);

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
      const product = await catalogue.find(request.params.id);
      if (!product) throw new ProductNotFoundError();
      return product;
    },
  );
};
