import type { FastifyPluginAsync } from 'fastify';
import type { UserConfig } from '../config.ts';
import { jwksRoute } from './jwks.ts';
import { loginRoute } from './login.ts';
import { meRoute } from './me.ts';
import { registerRoute } from './register.ts';
import { tokenRoute } from './token.ts';

/** Everything under /user. */
export const userRoutes: FastifyPluginAsync<{ config: UserConfig }> = async (app, { config }) => {
  const windowSeconds = config.RATE_LIMIT_WINDOW_SECONDS;
  await app.register(registerRoute, { limit: { perIp: config.REGISTER_LIMIT_PER_IP, perAccount: config.REGISTER_LIMIT_PER_ACCOUNT, windowSeconds } });
  await app.register(loginRoute, { limit: { perIp: config.LOGIN_LIMIT_PER_IP, perAccount: config.LOGIN_LIMIT_PER_ACCOUNT, windowSeconds } });
  await app.register(meRoute);
  await app.register(jwksRoute);
  await app.register(tokenRoute, { config });
};
