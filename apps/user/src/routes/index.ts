import type { FastifyPluginAsync } from 'fastify';
import { jwksRoute } from './jwks.ts';
import { loginRoute } from './login.ts';
import { meRoute } from './me.ts';
import { registerRoute } from './register.ts';

/** Everything under /user. */
export const userRoutes: FastifyPluginAsync = async (app) => {
  await app.register(registerRoute);
  await app.register(loginRoute);
  await app.register(meRoute);
  await app.register(jwksRoute);
};
