import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { JsonWebKeySet } from '../schemas.ts';

/** Verifiers cache the set; a new kid makes them fetch again. */
const JWKS_CACHE_CONTROL = 'public, max-age=300';

export const jwksRoute: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/.well-known/jwks.json',
    {
      schema: {
        summary: 'Public keys that verify access tokens',
        tags: ['keys'],
        // Unlike every other answer (no-store), cacheable: the document says so.
        response: {
          200: { ...JsonWebKeySet, headers: { 'cache-control': { type: 'string', description: `\`${JWKS_CACHE_CONTROL}\`` } } },
        },
      },
    },
    async (_request, reply) => {
      reply.header('cache-control', JWKS_CACHE_CONTROL);
      return app.tokens.jwks;
    },
  );
};
