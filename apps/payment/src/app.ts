import { fileURLToPath } from 'node:url';
import fastifyEnv from '@fastify/env';
import { envPluginOptions } from '@myshop/config';
import { authPlugin, PAYMENT_AUDIENCE, WHO_CAN_MOVE_MONEY } from '@myshop/auth';
import { dbPlugin } from '@myshop/db';
import { createFastify, platformPlugin, readPackageInfo, type BuildAppOptions } from '@myshop/server';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { JWTVerifyGetKey } from 'jose';
import type { Registry } from 'prom-client';
import { PaymentConfigSchema, type PaymentConfig } from './config.ts';
import { chargeKeyHistory } from './charges-repository.ts';
import { voidedBody } from './errors.ts';
import { fingerprintKey } from './fingerprint-key.ts';
import { idempotencyPlugin } from './plugins/idempotency.ts';
import { paymentMetricsPlugin } from './plugins/payment-metrics.ts';
import { paymentRoutes } from './routes/index.ts';

export interface PaymentAppOptions {
  config: PaymentConfig;
  databaseUrl: string;
  metricsRegistry?: Registry;
  /** Verifies access tokens; defaults to the user service's JWKS at JWKS_URL (tests pass their own). */
  jwtKeys?: JWTVerifyGetKey;
}

/** Versioned SQL, shared by start-up and the `migrate` command. */
export const migrationsDir = fileURLToPath(new URL('../migrations/', import.meta.url));

/** The payment service as a plugin: what tests build and what server.ts serves. */
async function paymentApp(app: FastifyInstance, { config, databaseUrl, metricsRegistry, jwtKeys }: PaymentAppOptions): Promise<void> {
  // Errors, probes, metrics and OpenAPI come first: everything below relies on them.
  const packageInfo = readPackageInfo(new URL('../package.json', import.meta.url));
  // The config it is built with, checked against the service's schema and served as app.config.
  await app.register(fastifyEnv, envPluginOptions(PaymentConfigSchema, config));
  await app.register(platformPlugin, {
    service: 'payment',
    ...packageInfo,
    // Each document says who may move money: the same rules, whichever service one reads.
    description: `${packageInfo.description}\n\n${WHO_CAN_MOVE_MONEY}`,
    metricsRegistry,
    config,
  });
  // The database, migrated before the app reports ready.
  await app.register(dbPlugin, { url: databaseUrl, migrationsDir, config });
  // Tokens are the user service's, verified here with its public keys: no call per request.
  // Shoppers' tokens (the public API's audience) and the cart's tokens for payment (its own).
  await app.register(authPlugin, {
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    serviceAudience: PAYMENT_AUDIENCE,
    keys: jwtKeys ?? new URL(config.JWKS_URL),
    metricsRegistry: app.metrics.registry,
  });
  // Idempotency-Keys live in the database, so all replicas agree on them.
  // Charges, amounts and replays, counted by the routes as they happen.
  await app.register(paymentMetricsPlugin, { currency: config.CURRENCY });
  await app.register(idempotencyPlugin, {
    ttlHours: config.IDEMPOTENCY_TTL_HOURS,
    fingerprintKey: fingerprintKey(config),
    // A charge keeps its key past the TTL: that key never charges twice.
    history: chargeKeyHistory,
    // What a key voided by POST /payment/charges/void answers, to every request with it.
    voided: { statusCode: 409, body: voidedBody() },
  });

  await app.register(paymentRoutes, { prefix: '/payment', currency: config.CURRENCY });
}

export const paymentAppPlugin = fp(paymentApp, { name: 'payment-app', fastify: '5.x' });

/** What server.ts serves; tests build exactly this, with their own token keys. */
export async function buildPaymentApp({ config, logger, databaseUrl, jwtKeys }: BuildAppOptions<PaymentConfig>) {
  const app = createFastify({ logger, config });
  await app.register(paymentAppPlugin, { config, databaseUrl, jwtKeys });
  return app;
}
