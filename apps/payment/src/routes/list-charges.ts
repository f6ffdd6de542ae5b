import { DEFAULT_PAGE_SIZE, errorResponses, Page, PageQuery, paginate } from '@myshop/schemas';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { chargesRepository } from '../charges-repository.ts';
import { decodeChargeCursor } from '../cursor.ts';
import { Charge } from '../schemas.ts';

export const listChargesRoute: FastifyPluginAsyncTypebox = async (app) => {
  const charges = chargesRepository(app.db);

  app.get(
    '/charges',
    {
      onRequest: app.authenticate,
      schema: {
        summary: "The caller's charges, newest first",
        tags: ['charges'],
        security: [{ bearerAuth: [] }],
        querystring: PageQuery,
        response: { 200: Page(Charge), ...errorResponses(400, 401, 403, 503) },
      },
    },
    async (request) => {
      // The validator fills in the default; the fallback is for the type checker.
      const { limit = DEFAULT_PAGE_SIZE, cursor } = request.query;
      const after = cursor === undefined ? undefined : decodeChargeCursor(cursor);
      return paginate(
        limit,
        (count) => charges.list(request.user.id, count, after),
        (charge) => [charge.createdAt, charge.id],
      );
    },
  );
};
