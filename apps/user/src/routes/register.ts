import { errorResponses } from '@myshop/schemas';
import { createdResponse } from '@myshop/server';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { RegisterBody, UserProfile } from '../schemas.ts';
import { usersRepository } from '../users-repository.ts';

export const registerRoute: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/register',
    {
      // Surrounding blanks are a typing accident, not part of an address: drop them before validation.
      preValidation: async (request) => {
        const body = request.body as { email?: unknown } | undefined;
        if (body && typeof body === 'object' && typeof body.email === 'string') body.email = body.email.trim();
      },
      schema: {
        summary: 'Create an account',
        tags: ['accounts'],
        body: RegisterBody,
        response: {
          201: createdResponse(UserProfile, 'GET /user/me, with a token from POST /user/login'),
          ...errorResponses(400, 409, 413, 415, 429, 503),
        },
      },
    },
    async (request, reply) => {
      const { email, password, name } = request.body;
      // Counted once the hash has room: a sign-up shed with 503 is no attempt (see login.ts).
      const passwordHash = await app.passwords.withRoomToHash(async (hash) => {
        await app.attemptLimits.register(request);
        return hash(password);
      });
      // The account and its sign-up address are one write: no account is left without it.
      const user = await app.db.transaction(async (tx) => {
        const created = await usersRepository(tx).create({ email, name: name.trim(), passwordHash });
        await app.attemptLimits.registered(request, created.id, tx);
        return created;
      });
      request.log.info({ userId: user.id }, 'account created');
      app.userMetrics.registered();
      return reply.code(201).header('location', `${app.prefix}/me`).send(user);
    },
  );
};
