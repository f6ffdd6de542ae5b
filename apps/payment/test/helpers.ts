import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestIssuer, serveIssuer } from '@myshop/auth/testing';
import { SANDBOX_CARDS, sandboxCard } from '@myshop/schemas';
import { BUSY_MACHINE_ENV, buildTestApp, type HttpClient } from '@myshop/testing';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { SCOPES } from '@myshop/auth';
import type { Logger } from 'pino';
import { expect, onTestFinished } from 'vitest';
import { buildPaymentApp } from '../src/app.ts';
import { loadPaymentConfig, type PaymentConfig } from '../src/config.ts';

export const { approved: VISA, declined: DECLINED_CARD, insufficientFunds: INSUFFICIENT_FUNDS_CARD } = SANDBOX_CARDS;

/** Valid through the end of next year, whenever the tests run. */
export const FUTURE_YEAR = sandboxCard().expYear;

export function paymentConfig(env: Record<string, string> = {}): PaymentConfig {
  return loadPaymentConfig({
    NODE_ENV: 'test',
    DATA_DIR: mkdtempSync(join(tmpdir(), 'myshop-payment-')),
    IDEMPOTENCY_FINGERPRINT_KEY: 'test-fingerprint-key-that-is-at-least-32-characters',
    ...BUSY_MACHINE_ENV,
    ...env,
  });
}

/** The payment service on a fresh database, with a token issuer standing in for the user service. */
export async function buildPayment(options: { env?: Record<string, string>; logger?: Logger } = {}) {
  const config = paymentConfig(options.env);
  const issuer = await createTestIssuer();
  const built = await buildTestApp('payment', ({ databaseUrl, logger }) =>
    buildPaymentApp({ config, databaseUrl, logger: options.logger ?? logger, jwtKeys: issuer.keys }),
  );
  /** Another replica of the service on the same database, closed when the test ends. */
  const replica = async (): Promise<FastifyInstance> => {
    const app = await buildPaymentApp({ config, databaseUrl: built.database.url, logger: built.logs.logger, jwtKeys: issuer.keys });
    onTestFinished(() => app.close());
    await app.ready();
    return app;
  };
  /**
   * A new shopper: `headers` carry their own token (what reads their charges), `cart` the token
   * the cart service gets to charge on their behalf (what creates charges).
   */
  const signIn = async (): Promise<Shopper> => {
    const id = randomUUID();
    return {
      id,
      headers: { authorization: `Bearer ${await issuer.sign(id)}` },
      cart: { authorization: `Bearer ${await issuer.signService(id, { scope: SCOPES.charge })}` },
    };
  };
  /** A new operator (may refund anyone's charge). */
  const signInOperator = async () => {
    const id = randomUUID();
    return { id, headers: { authorization: `Bearer ${await issuer.signOperator(id)}` } };
  };
  /** The cart service as itself, reading the refund feed. */
  const cartService = async () => ({
    headers: { authorization: `Bearer ${await issuer.signClient('cart', { scope: SCOPES.readRefunds })}` },
  });
  return { ...built, config, issuer, replica, signIn, signInOperator, cartService };
}

/**
 * What IDEMPOTENCY_TTL_HOURS and the purge do to every stored answer, at once: the keys' answers
 * are gone, what their work wrote (a charge, a refund) is not.
 */
export async function forgetStoredAnswers(payment: Awaited<ReturnType<typeof buildPayment>>, how: 'expired' | 'purged') {
  // Time passes for every stored answer, beyond the longest TTL (IDEMPOTENCY_TTL_HOURS ≤ 720).
  await payment.database.query("UPDATE idempotency_keys SET expires_at = expires_at - interval '721 hours'");
  if (how === 'purged') expect(await payment.app.idempotency.purgeExpired()).toBeGreaterThan(0);
}

export interface Shopper {
  id: string;
  headers: Record<string, string>;
  cart: Record<string, string>;
}

/** A card payment accepts and approves, but for `overrides`. */
export function card(overrides: Record<string, unknown> = {}) {
  return { ...sandboxCard(VISA), ...overrides };
}

export function chargeBody(overrides: Record<string, unknown> = {}) {
  return {
    amount: 2500,
    currency: 'USD',
    card: card(),
    ...overrides,
  };
}

/** `headers` with an Idempotency-Key, or without one when `key` is null. */
function withKey(headers: Record<string, string>, key: string | null): Record<string, string> {
  return { ...headers, ...(key === null ? {} : { 'idempotency-key': key }) };
}

/** Charges as checkout does: the cart service, on behalf of the shopper (inject: for setting up). */
export function createCharge(
  app: FastifyInstance,
  user: { cart: Record<string, string> },
  payload: unknown = chargeBody(),
  key: string | null = randomUUID(),
): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url: '/payment/charges',
    headers: withKey(user.cart, key),
    payload: payload as Record<string, unknown>,
  });
}

/** The same charge over a real socket: what the route tests send. */
export function postCharge(
  api: HttpClient,
  user: { cart: Record<string, string> },
  payload: object = chargeBody(),
  key: string | null = randomUUID(),
) {
  return api.post('/payment/charges').set(withKey(user.cart, key)).send(payload);
}

/** A refund (inject: for setting up). */
export function createRefund(
  app: FastifyInstance,
  user: { headers: Record<string, string> },
  chargeId: string,
  payload: unknown = {},
  key: string | null = randomUUID(),
): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url: `/payment/charges/${chargeId}/refunds`,
    headers: withKey(user.headers, key),
    payload: payload as Record<string, unknown>,
  });
}

/** The same refund over a real socket: what the route tests send. */
export function postRefund(
  api: HttpClient,
  user: { headers: Record<string, string> },
  chargeId: string,
  payload: object = {},
  key: string | null = randomUUID(),
) {
  return api.post(`/payment/charges/${chargeId}/refunds`).set(withKey(user.headers, key)).send(payload);
}

/**
 * A test issuer whose key set is served the way the user service serves it, for an app that
 * verifies tokens through JWKS_URL; closed when the test ends.
 */
export async function servedIssuer() {
  const issuer = await createTestIssuer();
  const served = await serveIssuer(issuer);
  onTestFinished(() => served.close());
  return { issuer, url: served.jwksUrl };
}
