import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ForkedService } from '@myshop/server';
import { createTestDatabase, type TestDatabase } from '@myshop/testing';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHelper } from '../../src/bench/helpers.ts';
import { startPgRecorder, type PgRecorder } from '../../src/bench/pg-recorder.ts';
import { CHARGE_BODY, newShopper, TOKEN_SETTINGS, type Shopper } from '../../src/bench/services.ts';
import { startServiceProcess, type ServiceProcess } from '../../src/service-process.ts';

/**
 * The bare peer is a fair yardstick only while it sends what the services send. Both run here on
 * the same databases behind recording relays, and each route's statements, as they reach
 * PostgreSQL, must be the same text in the same order with the same round trips, and leave the
 * same rows: a service whose SQL changes fails this until the peer follows.
 */
const SERVICES = ['user', 'cart', 'payment'] as const;
type Service = (typeof SERVICES)[number];

const databases = {} as Record<Service, TestDatabase>;
const recorders = {} as Record<Service, PgRecorder>;
const services = {} as Record<Service, ServiceProcess>;
let peer: ForkedService;
let shopper: Shopper;

beforeAll(async () => {
  for (const service of SERVICES) {
    databases[service] = await createTestDatabase();
    recorders[service] = await startPgRecorder(databases[service].url);
  }
  const clientSecret = randomBytes(32).toString('base64url');
  const common = { DATA_DIR: mkdtempSync(join(tmpdir(), 'bare-peer-')), DATABASE_POOL_MAX: '2', ...TOKEN_SETTINGS };
  const start = async (service: Service, env: Record<string, string>) => {
    services[service] = await startServiceProcess(service, { ...common, DATABASE_URL: recorders[service].url, ...env });
    return services[service];
  };
  const user = await start('user', { CART_CLIENT_SECRET: clientSecret });
  const jwksUrl = `${user.url}/user/.well-known/jwks.json`;
  const payment = await start('payment', { JWKS_URL: jwksUrl });
  // No refund sync: its reads of payment would interleave with what is recorded.
  const cart = await start('cart', {
    JWKS_URL: jwksUrl,
    PAYMENT_URL: payment.url,
    CLIENT_SECRET: clientSecret,
    REFUND_SYNC_INTERVAL_MS: '0',
  });
  shopper = await newShopper(user.url, cart.url, clientSecret);
  peer = await startHelper('bare-peer.ts', {
    ...TOKEN_SETTINGS,
    JWKS_URL: jwksUrl,
    ...Object.fromEntries(
      SERVICES.flatMap((service) => [
        [`${service.toUpperCase()}_DATABASE_URL`, recorders[service].url],
        [`${service.toUpperCase()}_DATABASE_POOL_MAX`, '2'],
      ]),
    ),
  });
}, 300_000);

afterAll(async () => {
  await peer?.stop();
  await Promise.all(Object.values(services).map((service) => service.stop()));
  await Promise.all(Object.values(recorders).map((recorder) => recorder.close()));
  await Promise.all(Object.values(databases).map((database) => database.drop()));
});

/** One request, and what its database was sent meanwhile (whitespace folded). */
async function recorded(service: Service, url: string, init: { method?: 'GET' | 'POST'; headers?: Record<string, string>; body?: string }) {
  recorders[service].take();
  const response = await request(url, { method: init.method ?? 'GET', headers: init.headers, body: init.body });
  const body = await response.body.text();
  const traffic = recorders[service].take();
  return {
    status: response.statusCode,
    body,
    statements: traffic.statements.map((text) => text.replace(/\s+/g, ' ').trim()),
    roundTrips: traffic.roundTrips,
  };
}

const peerUrl = (path: string) => `http://127.0.0.1:${peer.port}${path}`;

describe('the bare peer', () => {
  it('reads the user as GET /user/me does', async () => {
    const headers = { authorization: `Bearer ${shopper.accessToken}` };
    const service = await recorded('user', `${services.user.url}/user/me`, { headers });
    const bare = await recorded('user', peerUrl('/user/me'), { headers });
    expect(service.status).toBe(200);
    expect(bare.status).toBe(200);
    expect(bare.statements).toEqual(service.statements);
    expect(bare.roundTrips).toBe(service.roundTrips);
    expect(JSON.parse(bare.body)).toEqual(JSON.parse(service.body));
  });

  it('reads the cart as GET /cart does', async () => {
    const headers = { authorization: `Bearer ${shopper.accessToken}` };
    const service = await recorded('cart', `${services.cart.url}/cart`, { headers });
    const bare = await recorded('cart', peerUrl('/cart'), { headers });
    expect(service.status).toBe(200);
    expect(bare.status).toBe(200);
    expect(bare.statements).toEqual(service.statements);
    expect(bare.roundTrips).toBe(service.roundTrips);
    expect(JSON.parse(bare.body)).toEqual(JSON.parse(service.body));
    expect(JSON.parse(bare.body).items).toHaveLength(2);
  });

  it('writes a charge as POST /payment/charges does', async () => {
    const headers = (key: string) => ({
      authorization: `Bearer ${shopper.paymentToken}`,
      'content-type': 'application/json',
      'idempotency-key': key,
    });
    const serviceKey = randomUUID();
    const peerKey = randomUUID();
    const service = await recorded('payment', `${services.payment.url}/payment/charges`, {
      method: 'POST',
      headers: headers(serviceKey),
      body: CHARGE_BODY,
    });
    const bare = await recorded('payment', peerUrl('/payment/charges'), { method: 'POST', headers: headers(peerKey), body: CHARGE_BODY });
    expect(service.status).toBe(201);
    expect(bare.status).toBe(201);
    expect(bare.statements).toEqual(service.statements);
    expect(bare.roundTrips).toBe(service.roundTrips);
    // The same answer but for what is new with every charge.
    const answer = (text: string) => {
      const { id: _id, createdAt: _createdAt, ...rest } = JSON.parse(text);
      return rest;
    };
    expect(answer(bare.body)).toEqual(answer(service.body));
    expect(JSON.parse(bare.body)).toMatchObject({ id: expect.any(String), createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/) });

    const charges = await databases.payment.query(
      'SELECT user_id, status, amount, amount_refunded, currency, card_brand, card_last4, description, metadata, failure_code FROM charges ORDER BY created_at',
    );
    expect(charges).toHaveLength(2);
    expect(charges[1]).toEqual(charges[0]);
    const keys = await databases.payment.query<{ key: string; status: string; response_status: number }>(
      'SELECT key, status, response_status FROM idempotency_keys WHERE key IN ($1, $2) ORDER BY key',
      [serviceKey, peerKey],
    );
    expect(keys.map(({ status, response_status }) => ({ status, response_status }))).toEqual([
      { status: 'completed', response_status: 201 },
      { status: 'completed', response_status: 201 },
    ]);
  });

  it('refuses a request without a token, as the services do', async () => {
    const response = await request(peerUrl('/user/me'));
    await response.body.dump();
    expect(response.statusCode).toBe(401);
  });
});
