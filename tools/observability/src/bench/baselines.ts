import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ForkedService } from '@myshop/server';
import { request } from 'undici';
import { startHelper } from './helpers.ts';
import type { LoadTarget } from './load.ts';
import type { Route, Yardstick } from './results.ts';
import { chargeTarget, TOKEN_SETTINGS, type RunningMode } from './services.ts';

export interface Yardsticks {
  targets: Record<Route, { name: Yardstick['name']; target: LoadTarget }>;
  /** What the same page serves: the catalogue's bytes and content type. */
  samePage: { bytes: number; contentType: string };
  stop(): Promise<void>;
}

/**
 * The yardsticks, measured in the same run with the same load generator as the services:
 * - the same page: a bare Fastify answering the bytes `GET /cart/products` just answered (fetched
 *   from the running cart, full 200 answer) with its content type;
 * - the bare peer (bare-peer.ts): each database route's own statements and token verification
 *   against `mode`'s databases and user service, with the pods' pool size, and nothing else.
 */
export async function startYardsticks(mode: RunningMode, dir: string): Promise<Yardsticks> {
  const catalogue = await request(mode.targets['GET /cart/products'].url);
  const body = Buffer.from(await catalogue.body.arrayBuffer());
  if (catalogue.statusCode !== 200) throw new Error(`GET /cart/products answered ${catalogue.statusCode}`);
  const contentType = String(catalogue.headers['content-type']);
  const file = join(dir, 'same-page.body');
  writeFileSync(file, body);
  const helpers: ForkedService[] = [];
  try {
    const samePage = await startHelper('same-page.ts', { SAME_PAGE_FILE: file, SAME_PAGE_CONTENT_TYPE: contentType });
    helpers.push(samePage);
    const { user, cart, payment } = mode.services;
    const peer = await startHelper('bare-peer.ts', {
      USER_DATABASE_URL: user.database.url,
      USER_DATABASE_POOL_MAX: String(user.poolSize),
      CART_DATABASE_URL: cart.database.url,
      CART_DATABASE_POOL_MAX: String(cart.poolSize),
      PAYMENT_DATABASE_URL: payment.database.url,
      PAYMENT_DATABASE_POOL_MAX: String(payment.poolSize),
      JWKS_URL: mode.jwksUrl,
      ...TOKEN_SETTINGS,
    });
    helpers.push(peer);
    const peerUrl = `http://127.0.0.1:${peer.port}`;
    const auth = { authorization: `Bearer ${mode.shopper.accessToken}` };
    return {
      samePage: { bytes: body.length, contentType },
      targets: {
        'GET /cart/products': { name: 'same page', target: { url: `http://127.0.0.1:${samePage.port}/cart/products` } },
        'GET /user/me': { name: 'bare peer', target: { url: `${peerUrl}/user/me`, headers: auth } },
        'GET /cart': { name: 'bare peer', target: { url: `${peerUrl}/cart`, headers: auth } },
        'POST /payment/charges': { name: 'bare peer', target: chargeTarget(peerUrl, mode.shopper.paymentToken) },
      },
      stop: async () => void (await Promise.all(helpers.map((helper) => helper.stop()))),
    };
  } catch (error) {
    await Promise.all(helpers.map((helper) => helper.stop()));
    throw error;
  }
}
