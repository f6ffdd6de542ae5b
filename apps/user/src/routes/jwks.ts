import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { JsonWebKeySet } from '../schemas.ts';

export const jwksRoute: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/.well-known/jwks.json',
    {
      schema: {
        summary: 'Public keys that verify access tokens',
        tags: ['keys'],
        response: { 200: JsonWebKeySet },
      },
    },
    async (_request, reply) => {
      // Verifiers cache the set; a new kid makes them fetch again.
      reply.header('cache-control', 'public, max-age=300');
      return app.tokens.jwks;
    },
  );
};
