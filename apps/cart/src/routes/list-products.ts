import { DEFAULT_PAGE_SIZE, errorResponses, Page, PageQuery } from '@myshop/schemas';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { decodeIdCursor } from '../cursor.ts';
import { sendRepresentation } from '../conditional-reply.ts';
import { Product } from '../schemas.ts';

/**
 * Public and the same for everyone, so shared caches (the edge, a browser) may keep a page. Short,
 * because prices change with a new catalogue: a cache may show a page up to a minute old, and a
 * minute more while it revalidates in the background (usually with a 304, which costs the
 * service no serialization). A stale page never charges a stale price: cart lines and checkout
 * price from the database.
 */
export const CATALOGUE_CACHE_CONTROL = 'public, max-age=60, stale-while-revalidate=60';

/** The catalogue's `Cache-Control`, as its answers' schemas document it (a page's, a product's). */
export const CatalogueCacheHeaders = {
  'cache-control': { type: 'string', description: `\`${CATALOGUE_CACHE_CONTROL}\`` },
};

/** An answer's validator and caching headers, as the catalogue's answers' schemas document them. */
export const ValidatorHeaders = {
  etag: { type: 'string', description: 'A strong validator: the same for the same content, on every replica' },
  ...CatalogueCacheHeaders,
};

/** The conditional request headers the catalogue's routes honour (RFC 9110 §13.1). */
export const ConditionalHeaders = Type.Object({
  'if-none-match': Type.Optional(Type.String({ description: 'ETags the client holds (or `*`): a match is answered 304 Not Modified' })),
  'if-match': Type.Optional(Type.String({ description: 'ETags the client expects (or `*`), compared strongly: no match is 412' })),
});

/** From the catalogue in memory (plugins/catalogue.ts), each page serialized once: no database round trip. */
export const listProductsRoute: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/products',
    {
      schema: {
        summary: 'The catalogue by name, a page at a time (public)',
        description:
          'Cacheable: each page carries an ETag; a request whose If-None-Match names it gets 304 with no body, one whose If-Match names another page 412.',
        tags: ['catalogue'],
        querystring: PageQuery,
        headers: ConditionalHeaders,
        response: {
          200: Type.Object(Page(Product).properties, { headers: ValidatorHeaders }),
          304: Type.Null({ description: 'Not Modified: the page is the one If-None-Match names; no body', headers: ValidatorHeaders }),
          ...errorResponses(400, 412, 503),
        },
      },
    },
    async (request, reply) => {
      // The validator fills in the default; the fallback is for the type checker.
      const { limit = DEFAULT_PAGE_SIZE, cursor } = request.query;
      // The cursor names the last product seen; its id stays short whatever the product is called.
      const after = cursor === undefined ? undefined : decodeIdCursor(cursor);
      // Serialized by this route's own serializer (the 200 schema), once per page.
      const page = await app.cataloguePages.page(limit, after, (body) => String(reply.serialize(body)));
      return sendRepresentation(request, reply, page, CATALOGUE_CACHE_CONTROL);
    },
  );
};
