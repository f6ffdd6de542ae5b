import { fileURLToPath } from 'node:url';
import fastifyEnv from '@fastify/env';
import { envPluginOptions } from '@myshop/config';
import { authPlugin, WHO_CAN_MOVE_MONEY } from '@myshop/auth';
import { dbPlugin } from '@myshop/db';
import { createFastify, platformPlugin, readPackageInfo, type BuildAppOptions } from '@myshop/server';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { JWTVerifyGetKey } from 'jose';
import type { Registry } from 'prom-client';
import { cardFingerprint } from './card-fingerprint.ts';
import { CartConfigSchema, type CartConfig } from './config.ts';
import { cataloguePlugin } from './plugins/catalogue.ts';
import { checkoutMetricsPlugin } from './plugins/checkout-metrics.ts';
import { paymentClientPlugin } from './plugins/payment-client.ts';
import { refundSyncPlugin } from './plugins/refund-sync.ts';
import { cartClientSecret, serviceTokensPlugin } from './plugins/service-tokens.ts';
import { cartRoutes } from './routes/index.ts';

export interface CartAppOptions {
  config: CartConfig;
  databaseUrl: string;
  metricsRegistry?: Registry;
  /** Verifies access tokens; defaults to the user service's JWKS at JWKS_URL (tests pass their own). */
  jwtKeys?: JWTVerifyGetKey;
}

/** Versioned SQL and the catalogue seed, shared by start-up and the `migrate` command. */
export const migrationsDir = fileURLToPath(new URL('../migrations/', import.meta.url));

/**
 * How long a checkout attempt holds its order: longer than its payment call may take, which is
 * two tries of PAYMENT_TIMEOUT_MS each (a try broken on the way is sent once more), and a margin.
 * Past it, the attempt has surely ended (or its process died) and a retry may take over.
 */
export const checkoutLeaseMs = (paymentTimeoutMs: number): number => 2 * paymentTimeoutMs + 1000;

/** The cart service as a plugin: what tests build and what server.ts serves. */
async function cartApp(app: FastifyInstance, { config, databaseUrl, metricsRegistry, jwtKeys }: CartAppOptions): Promise<void> {
  const packageInfo = readPackageInfo(new URL('../package.json', import.meta.url));
  // Errors, probes, metrics and OpenAPI come first: everything below relies on them.
  // With its config: CORS origins and load-shedding limits are the service's own keys.
  // The config it is built with, checked against the service's schema and served as app.config.
  await app.register(fastifyEnv, envPluginOptions(CartConfigSchema, config));
  await app.register(platformPlugin, {
    service: 'cart',
    ...packageInfo,
    description: `${packageInfo.description}\n\n${WHO_CAN_MOVE_MONEY}`,
    metricsRegistry,
    config,
  });
  // The database, migrated (and the catalogue seeded) before the app reports ready.
  await app.register(dbPlugin, { url: databaseUrl, migrationsDir, config });
  // The catalogue, read once from the migrated database: catalogue reads need no query.
  await app.register(cataloguePlugin, { currency: config.CURRENCY });
  // Tokens are the user service's, verified here with its public keys: no call per request.
  await app.register(authPlugin, {
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    keys: jwtKeys ?? new URL(config.JWKS_URL),
    metricsRegistry: app.metrics.registry,
  });
  // The payment service, for checkout; called with tokens from the user service's token endpoint.
  const userAgent = `myshop-cart/${packageInfo.version}`;
  await app.register(paymentClientPlugin, { baseUrl: config.PAYMENT_URL, timeoutMs: config.PAYMENT_TIMEOUT_MS, userAgent });
  await app.register(serviceTokensPlugin, { config, userAgent });
  // Refunds made at payment, shown on the orders they belong to.
  await app.register(refundSyncPlugin, { intervalMs: config.REFUND_SYNC_INTERVAL_MS });
  // Checkouts by result, counted by the checkout route.
  await app.register(checkoutMetricsPlugin);

  await app.register(cartRoutes, {
    prefix: '/cart',
    currency: config.CURRENCY,
    checkoutLeaseMs: checkoutLeaseMs(config.PAYMENT_TIMEOUT_MS),
    cardFingerprint: cardFingerprint(cartClientSecret(config)),
    checkoutDeclineLimit: { max: config.CHECKOUT_DECLINES_MAX, windowSeconds: config.CHECKOUT_DECLINE_WINDOW_SECONDS },
  });
}

export const cartAppPlugin = fp(cartApp, { name: 'cart-app', fastify: '5.x' });

/** What server.ts serves; tests build exactly this, with their own token keys. */
export async function buildCartApp({ config, logger, databaseUrl, jwtKeys }: BuildAppOptions<CartConfig>) {
  const app = createFastify({ logger, config });
  await app.register(cartAppPlugin, { config, databaseUrl, jwtKeys });
  return app;
}
