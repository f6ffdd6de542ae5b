import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTestApp, createTestIssuer, type TestIssuer } from '@myshop/testing';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { Logger } from 'pino';
import { onTestFinished } from 'vitest';
import { buildPaymentApp } from '../src/app.ts';
import { loadPaymentConfig, type PaymentConfig } from '../src/config.ts';

export const VISA = '4242424242424242';
export const DECLINED_CARD = '4000000000000002';
export const INSUFFICIENT_FUNDS_CARD = '4000000000009995';

/** Valid through the end of next year, whenever the tests run. */
export const FUTURE_YEAR = new Date().getUTCFullYear() + 1;

export function paymentConfig(env: Record<string, string> = {}): PaymentConfig {
  return loadPaymentConfig({
    NODE_ENV: 'test',
    DATA_DIR: mkdtempSync(join(tmpdir(), 'myshop-payment-')),
    IDEMPOTENCY_FINGERPRINT_KEY: 'test-fingerprint-key-that-is-at-least-32-characters',
    ...env,
  });
}

/** One payment app as server.ts builds it, trusting the test issuer: the harness's and every replica. */
function createPaymentApp(options: { config: PaymentConfig; databaseUrl: string; logger: Logger; issuer: TestIssuer }) {
  const { config, databaseUrl, logger, issuer } = options;
  return buildPaymentApp({ config, databaseUrl, logger, jwtKeys: issuer.keys });
}

/** The payment service on a fresh database, with a token issuer standing in for the user service. */
export async function buildPayment(options: { env?: Record<string, string>; logger?: Logger } = {}) {
  const config = paymentConfig(options.env);
  const issuer = await createTestIssuer();
  const built = await buildTestApp('payment', ({ databaseUrl, logger }) =>
    createPaymentApp({ config, databaseUrl, logger: options.logger ?? logger, issuer }),
  );
  /** Another replica of the service on the same database, closed when the test ends. */
  const replica = async (): Promise<FastifyInstance> => {
    const app = await createPaymentApp({ config, databaseUrl: built.database.url, logger: built.logs.logger, issuer });
    onTestFinished(() => app.close());
    await app.ready();
    return app;
  };
  /** A new user and the Authorization header of their token. */
  const signIn = async () => {
    const id = randomUUID();
    return { id, headers: { authorization: `Bearer ${await issuer.sign(id)}` } };
  };
  return { ...built, config, issuer, replica, signIn };
}

export function chargeBody(overrides: Record<string, unknown> = {}) {
  return {
    amount: 2500,
    currency: 'USD',
    card: { number: VISA, expMonth: 12, expYear: FUTURE_YEAR, cvc: '123' },
    ...overrides,
  };
}

export function createCharge(
  app: FastifyInstance,
  user: { headers: Record<string, string> },
  payload: unknown = chargeBody(),
  key: string | null = randomUUID(),
): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url: '/payment/charges',
    headers: { ...user.headers, ...(key === null ? {} : { 'idempotency-key': key }) },
    payload: payload as Record<string, unknown>,
  });
}

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
    headers: { ...user.headers, ...(key === null ? {} : { 'idempotency-key': key }) },
    payload: payload as Record<string, unknown>,
  });
}

/**
 * The user service's key set as the cluster serves it (GET /user/.well-known/jwks.json), for an
 * app that verifies tokens through JWKS_URL; closed when the test ends.
 */
export async function serveJwks() {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  const kid = randomUUID();
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'EdDSA', use: 'sig' }] };
  const server = createServer((request, response) => {
    response.writeHead(request.url === '/user/.well-known/jwks.json' ? 200 : 404, { 'content-type': 'application/json' });
    response.end(JSON.stringify(jwks));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/user/.well-known/jwks.json`;
  const sign = (userId: string) =>
    new SignJWT({})
      .setProtectedHeader({ alg: 'EdDSA', kid })
      .setSubject(userId)
      .setIssuer('https://myshop.com/user')
      .setAudience('myshop')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);
  return { url, sign };
}
