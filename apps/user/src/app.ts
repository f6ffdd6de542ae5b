import { fileURLToPath } from 'node:url';
import fastifyEnv from '@fastify/env';
import { envPluginOptions } from '@myshop/config';
import { authPlugin, WHO_CAN_MOVE_MONEY } from '@myshop/auth';
import { dbPlugin } from '@myshop/db';
import { createFastify, platformPlugin, readPackageInfo, type BuildAppOptions } from '@myshop/server';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Registry } from 'prom-client';
import { UserConfigSchema, type UserConfig } from './config.ts';
import { attemptLimitsPlugin } from './plugins/attempt-limits.ts';
import { passwordHashingPlugin } from './plugins/password-hashing.ts';
import { signingKeyPlugin } from './plugins/signing-key.ts';
import { userMetricsPlugin } from './plugins/user-metrics.ts';
import { userRoutes } from './routes/index.ts';
import { CLIENT_BASIC_SCHEME } from './routes/token.ts';

export interface UserAppOptions {
  config: UserConfig;
  databaseUrl: string;
  metricsRegistry?: Registry;
}

/** Versioned SQL, shared by start-up and the `migrate` command. */
export const migrationsDir = fileURLToPath(new URL('../migrations/', import.meta.url));

/** The user service as a plugin: what tests build and what server.ts serves. */
async function userApp(app: FastifyInstance, { config, databaseUrl, metricsRegistry }: UserAppOptions): Promise<void> {
  // Errors, probes, metrics and OpenAPI come first: everything below relies on them.
  const packageInfo = readPackageInfo(new URL('../package.json', import.meta.url));
  // The config it is built with, checked against the service's schema and served as app.config.
  await app.register(fastifyEnv, envPluginOptions(UserConfigSchema, config));
  await app.register(platformPlugin, {
    service: 'user',
    ...packageInfo,
    // Each document says who may move money: the same rules, whichever service one reads.
    description: `${packageInfo.description}\n\n${WHO_CAN_MOVE_MONEY}`,
    metricsRegistry,
    config,
    securitySchemes: CLIENT_BASIC_SCHEME,
  });
  // The database, migrated before the app reports ready.
  await app.register(dbPlugin, { url: databaseUrl, migrationsDir, config });
  // Our signing key; /user/me verifies with its public half, like every other service.
  await app.register(signingKeyPlugin, { config });
  await app.register(authPlugin, { issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, keys: app.tokens.keySet });
  // Limits on password guessing and sign-up floods, counted in the database for all replicas;
  // used by the login and register routes.
  await app.register(attemptLimitsPlugin, { config });
  // Password hashing with a bound on the hashes waiting: a flood from many addresses sheds.
  await app.register(passwordHashingPlugin, { config });
  // Sign-ups and logins, counted where they happen (the routes below).
  await app.register(userMetricsPlugin);

  await app.register(userRoutes, { prefix: '/user', config });
}

export const userAppPlugin = fp(userApp, { name: 'user-app', fastify: '5.x' });

export async function buildUserApp({ config, logger, databaseUrl }: BuildAppOptions<UserConfig>) {
  const app = createFastify({ logger, config });
  await app.register(userAppPlugin, { config, databaseUrl });
  return app;
}
