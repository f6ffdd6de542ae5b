import { errorResponses } from '@myshop/schemas';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ProductNotFoundError } from '../errors.ts';
import { Product, ProductParams } from '../schemas.ts';
import { sendRepresentation } from '../conditional-reply.ts';
import { CATALOGUE_CACHE_CONTROL, ConditionalHeaders, ValidatorHeaders } from './list-products.ts';

/**
 * From the catalogue in memory (plugins/catalogue.ts), serialized once: no database round trip.
 * Public and the same for everyone, cached and revalidated as the catalogue's pages are (ETag,
 * 304, 412); a 404 is not cached (the next catalogue may have it).
 */
export const getProductRoute: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/products/:id',
    {
      schema: {
        summary: 'One product (public)',
        description:
          'Cacheable: the product carries an ETag; a request whose If-None-Match names it gets 304 with no body, one whose If-Match names another 412.',
        tags: ['catalogue'],
        params: ProductParams,
        headers: ConditionalHeaders,
        response: {
          200: Type.Object(Product.properties, { headers: ValidatorHeaders }),
          304: Type.Null({ description: 'Not Modified: the product is the one If-None-Match names; no body', headers: ValidatorHeaders }),
          ...errorResponses(404, 412, 503),
        },
      },
    },
    async (request, reply) => {
      // Serialized by this route's own serializer (the 200 schema), once per product.
      const product = app.cataloguePages.product(request.params.id, (body) => String(reply.serialize(body)));
      if (!product) throw new ProductNotFoundError();
      return sendRepresentation(request, reply, product, CATALOGUE_CACHE_CONTROL);
    },
  );
};
