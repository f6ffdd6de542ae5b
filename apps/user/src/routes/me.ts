import { INVALID_TOKEN_CHALLENGE } from '@myshop/auth';
import { errorResponses } from '@myshop/schemas';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { UserNotFoundError } from '../errors.ts';
import { UserProfile } from '../schemas.ts';
import { usersRepository } from '../users-repository.ts';

export const meRoute: FastifyPluginAsyncTypebox = async (app) => {
  const users = usersRepository(app.db);

  app.get(
    '/me',
    {
      onRequest: app.authenticate,
      schema: {
        summary: "The signed-in user's profile",
        tags: ['accounts'],
        security: [{ bearerAuth: [] }],
        response: { 200: UserProfile, ...errorResponses(401, 503) },
      },
    },
    async (request) => {
      const user = await users.findById(request.user.id);
      // A token that names no account is refused like any other (RFC 6750 §3): the client
      // learns from the challenge that signing in again, not retrying, is what helps.
      if (!user) throw Object.assign(new UserNotFoundError(), { headers: { 'www-authenticate': INVALID_TOKEN_CHALLENGE } });
      return user;
    },
  );
};
