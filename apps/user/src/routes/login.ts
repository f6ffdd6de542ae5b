import { ERROR_RESPONSE_ID, errorResponses } from '@myshop/schemas';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { InvalidCredentialsError } from '../errors.ts';
import { TooManyAttemptsError } from '../plugins/attempt-limits.ts';
import { hashPassword } from '../passwords.ts';
import { LoginBody, TokenResponse } from '../schemas.ts';
import { usersRepository } from '../users-repository.ts';

/**
 * A refused login is no HTTP authentication scheme (nothing to put in `Authorization`): its 401
 * carries no `WWW-Authenticate` challenge, so the document shows none.
 */
const InvalidCredentialsResponse = Type.Ref(ERROR_RESPONSE_ID, { description: 'Unauthorized: unknown email or wrong password' });

export const loginRoute: FastifyPluginAsyncTypebox = async (app) => {
  const users = usersRepository(app.db);
  // Checked against when the email is unknown, so both failures cost one argon2 verification.
  // Made once as the route starts, outside the bound on pending hashes (which no request passed yet).
  const decoyHash = hashPassword('decoy password, never valid');

  app.post(
    '/login',
    {
      // The two ways a login attempt fails, counted as they happen; success is counted below.
      onError: async (_request, _reply, error) => {
        if (error instanceof InvalidCredentialsError) app.userMetrics.login('invalid_credentials');
        else if (error instanceof TooManyAttemptsError) app.userMetrics.login('throttled');
      },
      schema: {
        summary: 'Exchange email and password for an access token',
        tags: ['accounts'],
        body: LoginBody,
        response: { 200: TokenResponse, ...errorResponses(400, 413, 415, 429, 503), 401: InvalidCredentialsResponse },
      },
    },
    async (request) => {
      const { email, password } = request.body;
      // The attempt is counted once the check has room to run: a login shed with 503 (every
      // hash slot taken) is no attempt, so a client retrying through an overload, or a flood
      // another caller makes, does not use up the attempts of the account it names.
      const { user, check } = await app.passwords.withRoomToCheck(password, async (checkAgainst) => {
        await app.attemptLimits.login(request);
        const user = await users.findByEmail(email);
        return { user, check: await checkAgainst(user?.passwordHash ?? (await decoyHash)) };
      });
      if (!user || check === 'mismatch') throw new InvalidCredentialsError();
      // A hash of the password as once typed matches that spelling only: made again, normalised,
      // every spelling of the password logs in from now on (and costs one hash, not two).
      if (check === 'match-as-typed') await users.setPasswordHash(user.profile.id, await app.passwords.hash(password));
      await app.attemptLimits.loginSucceeded(request, user.profile.id);
      const token = await app.tokens.issue({ id: user.profile.id, roles: user.roles });
      app.userMetrics.login('success');
      return { ...token, tokenType: 'Bearer' as const };
    },
  );
};
