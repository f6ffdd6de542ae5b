import type { FastifyPluginAsync } from 'fastify';
import type { UserConfig } from '../config.ts';
import { jwksRoute } from './jwks.ts';
import { loginRoute } from './login.ts';
import { meRoute } from './me.ts';
import { registerRoute } from './register.ts';
import { tokenRoute } from './token.ts';

/** Everything under /user. */
export const userRoutes: FastifyPluginAsync<{ config: UserConfig }> = async (app, { config }) => {
  await app.register(registerRoute);
  await app.register(loginRoute);
  await app.register(meRoute);
  await app.register(jwksRoute);
  await app.register(tokenRoute, { config });
};
