import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestIssuer, serveIssuer, type TestIssuer } from '@myshop/auth/testing';
import { SANDBOX_CARDS, sandboxCard } from '@myshop/schemas';
import { BUSY_MACHINE_ENV, buildTestApp, httpClient, type HttpClient } from '@myshop/testing';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { onTestFinished } from 'vitest';
import { buildCartApp } from '../src/app.ts';
import { loadCartConfig, type CartConfig } from '../src/config.ts';

export const { approved: VISA, declined: DECLINED_CARD, insufficientFunds: INSUFFICIENT_FUNDS_CARD } = SANDBOX_CARDS;
/** Valid through the end of next year, whenever the tests run. */
export const FUTURE_YEAR = sandboxCard().expYear;

/** Ids from data/products.json, the catalogue the migrations seed. */
export const SOCKS = { id: 'ac68e6de-6eb2-4e5c-8da5-7ef71c9c469e', name: 'Merino Wool Crew Socks', price: 2400 };
export const TSHIRT = { id: '02a90881-fb21-46ba-99ba-0cd3c0ecbbab', name: 'Organic Cotton T-Shirt', price: 2900 };

/** Nothing listens here: the port is reserved and never served (RFC 863 discard). */
export const UNREACHABLE_URL = 'http://127.0.0.1:9';

/** The cart service's client secret at the token endpoint in these tests. */
export const CART_SECRET = 'cart-client-secret-of-at-least-32-characters';

/** For a test that waits for payment's deadline to pass: short, yet a second for the calls that must succeed. */
export const SHORT_PAYMENT_DEADLINE = { PAYMENT_TIMEOUT_MS: '1000' } as const;

export function cartConfig(env: Record<string, string> = {}): CartConfig {
  return loadCartConfig({
    NODE_ENV: 'test',
    DATA_DIR: mkdtempSync(join(tmpdir(), 'myshop-cart-')),
    PAYMENT_URL: UNREACHABLE_URL,
    // Generous, as the calls of most tests must succeed: on a loaded machine a token call or a
    // charge can stall past a second. A test that waits for the deadline to pass sets a short one.
    PAYMENT_TIMEOUT_MS: '10000',
    TOKEN_URL: UNREACHABLE_URL,
    CLIENT_SECRET: CART_SECRET,
    // No background reads of the refund feed: a test that wants them asks (app.refundSync.runOnce()).
    REFUND_SYNC_INTERVAL_MS: '0',
    ...BUSY_MACHINE_ENV,
    ...env,
  });
}

export interface SignedInUser {
  id: string;
  token: string;
  headers: { authorization: string };
}

/** The cart service on a fresh database, with a token issuer standing in for the user service. */
export async function buildCart(options: { env?: Record<string, string>; issuer?: TestIssuer } = {}) {
  const issuer = options.issuer ?? (await createTestIssuer());
  // The user service's token endpoint, where cart gets its tokens for payment.
  const served = await serveIssuer(issuer, { cart: CART_SECRET });
  onTestFinished(() => served.close());
  options = { ...options, env: { TOKEN_URL: served.tokenUrl, ...options.env } };
  const config = cartConfig(options.env);
  const built = await buildTestApp('cart', ({ databaseUrl, logger }) =>
    buildCartApp({ config, databaseUrl, logger, jwtKeys: issuer.keys }),
  );

  /** Another replica on the same database (a restarted process, or a second pod), closed when the test ends. */
  const replica = async (env: Record<string, string> = {}): Promise<FastifyInstance> => {
    const app = await buildCartApp({
      config: cartConfig({ ...options.env, ...env }),
      databaseUrl: built.database.url,
      logger: built.logs.logger,
      jwtKeys: issuer.keys,
    });
    onTestFinished(() => app.close());
    await app.ready();
    return app;
  };

  /** A new user and the Authorization header of their token. */
  const signIn = async (): Promise<SignedInUser> => {
    const id = randomUUID();
    const token = await issuer.sign(id);
    return { id, token, headers: { authorization: `Bearer ${token}` } };
  };

  /** The user's cart lines as stored. */
  const storedCart = (user: SignedInUser) =>
    built.database.query<{ product_id: string; quantity: number }>(
      'SELECT product_id, quantity FROM cart_items WHERE user_id = $1 ORDER BY added_at, product_id',
      [user.id],
    );

  const storedOrders = (user: SignedInUser) =>
    built.database.query<{
      id: string;
      status: string;
      amount: number;
      charge_id: string | null;
      failure_code: string | null;
      attempts: number;
    }>('SELECT id, status, amount::int, charge_id, failure_code, attempts FROM orders WHERE user_id = $1 ORDER BY created_at, id', [
      user.id,
    ]);

  return { ...built, config, issuer, served, replica, signIn, storedCart, storedOrders };
}

export type CartHarness = Awaited<ReturnType<typeof buildCart>>;

/** POST /cart/items over a real socket: what the route tests send. */
export function addItem(api: HttpClient, user: SignedInUser, payload: object) {
  return api.post('/cart/items').set(user.headers).send(payload);
}

/** Puts products in the user's cart through the API (inject: a setup step), failing loudly if one is refused. */
export async function fillCart(app: FastifyInstance, user: SignedInUser, lines: Array<{ productId: string; quantity: number }>) {
  for (const line of lines) {
    const response = await app.inject({ method: 'POST', url: '/cart/items', headers: user.headers, payload: line });
    if (response.statusCode !== 201) throw new Error(`adding ${line.productId} answered ${response.statusCode}: ${response.body}`);
  }
}

/** The cart service with a signed-in user whose cart holds `lines`, and a client over a real socket. */
export async function cartHolding(lines: Array<{ productId: string; quantity: number }>, options: Parameters<typeof buildCart>[0] = {}) {
  const harness = await buildCart(options);
  const user = await harness.signIn();
  await fillCart(harness.app, user, lines);
  return { ...harness, api: await httpClient(harness.app), user };
}

export function card(overrides: Record<string, unknown> = {}) {
  return { ...sandboxCard(VISA), ...overrides };
}

export interface CheckoutOptions {
  /** A fresh key unless given; null sends none. */
  key?: string | null;
  card?: Record<string, unknown>;
  /** The whole body, instead of `{ card }`. */
  payload?: object;
}

function checkoutRequest(user: SignedInUser, options: CheckoutOptions) {
  const key = options.key === undefined ? randomUUID() : options.key;
  return {
    headers: { ...user.headers, ...(key === null ? {} : { 'idempotency-key': key }) },
    body: options.payload ?? { card: options.card ?? card() },
  };
}

/** POST /cart/checkout (inject: for setting up, and for the tests of plugins and security). */
export function checkout(app: FastifyInstance, user: SignedInUser, options: CheckoutOptions = {}): Promise<LightMyRequestResponse> {
  const { headers, body } = checkoutRequest(user, options);
  return app.inject({ method: 'POST', url: '/cart/checkout', headers, payload: body as Record<string, unknown> });
}

/** The same checkout over a real socket: what the route tests send. */
export function postCheckout(api: HttpClient, user: SignedInUser, options: CheckoutOptions = {}) {
  const { headers, body } = checkoutRequest(user, options);
  return api.post('/cart/checkout').set(headers).send(body);
}

/** Adds products to the catalogue of this test's database only (e.g. more than 50 of them). */
export async function addProducts(database: CartHarness['database'], count: number, price = 1000): Promise<string[]> {
  const ids = Array.from({ length: count }, () => randomUUID());
  await database.query(
    `INSERT INTO products (id, name, description, price)
     SELECT id, 'Test product ' || id, 'Made for a test', $2 FROM unnest($1::uuid[]) AS id`,
    [ids, price],
  );
  return ids;
}

/**
 * A token endpoint whose payment tokens run out `expiresIn` seconds after they are issued, as the
 * user service's do when the shopper's own token is about to (a token for a shopper never
 * outlives the shopper's). The stand-in payment does not read the token it is sent.
 */
export async function tokenEndpoint(expiresIn: number): Promise<string> {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ access_token: 'a-payment-token', token_type: 'Bearer', expires_in: expiresIn, scope: 'payment:charge' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/user/oauth/token`;
}

/** What payment answers a token it no longer takes (expired past its clock tolerance). */
export const TOKEN_REFUSED = {
  statusCode: 401,
  body: { statusCode: 401, code: 'AUTH_INVALID_TOKEN', error: 'Unauthorized', message: 'The access token is invalid or expired' },
};
