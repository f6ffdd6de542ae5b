/**
 * The shop's checkout journey end to end, through the local gateway with
 * `Host: myshop.com`, every service started exactly as `npm start` starts it: its own process
 * from its own server.ts, its own embedded PostgreSQL, the others reached through their Service
 * stand-ins (JWKS_URL, TOKEN_URL, PAYMENT_URL). Nothing here imports an app: it speaks HTTP, and
 * grants an operator with the user service's own command.
 */
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SANDBOX_CARDS, sandboxCard } from '@myshop/schemas';
import { appendToRunLog } from '@myshop/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayClient, type Answer, type CallOptions } from '../src/gateway-client.ts';
import { startStack, type Stack } from '../src/index.ts';

const root = resolve(import.meta.dirname, '../../..');
const { approved: VISA, declined: DECLINED } = SANDBOX_CARDS;

interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
interface Product {
  id: string;
  price: number;
  currency: string;
}
interface Paid {
  orderId: string;
  chargeId: string;
}

let stack: Stack;
let client: GatewayClient;
let dataDir: string;
const lines: string[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'myshop-journey-'));
  // As root, each embedded PostgreSQL runs as its own user and must get through.
  chmodSync(dataDir, 0o755);
  stack = await startStack({
    root,
    gatewayPort: 0,
    dataDir,
    printLine: (replica, line) => {
      lines.push(`${replica} ${line}`);
      // Scanned with every other line of the run for secrets (tools/security-checks).
      appendToRunLog(line);
    },
  });
  client = new GatewayClient(stack.gatewayUrl, 8);
}, 180_000);

afterAll(async () => {
  await client?.close();
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

/** One request through the gateway, as a browser on myshop.com would send it; the answer's JSON typed as `T`. */
function call<T = Record<string, unknown>>(method: string, path: string, options: CallOptions = {}): Promise<Answer<T>> {
  // As long as a test may take: a slow answer on a busy machine fails the test, not the call.
  return client.call<T>(method, path, { timeoutMs: 30_000, ...options });
}

/** Registers and logs in a new shopper (an operator, granted with the operators command); returns their access token. */
async function shopper(name: string, options: { operator?: boolean } = {}): Promise<string> {
  const account = { email: `${name.toLowerCase()}-${randomUUID()}@example.com`, password: 'correct horse battery', name };
  expect((await call('POST', '/user/register', { body: account })).status).toBe(201);
  if (options.operator) await stack.operator('grant', account.email);
  const login = await call<{ accessToken: string }>('POST', '/user/login', { body: { email: account.email, password: account.password } });
  expect(login.status).toBe(200);
  return login.body.accessToken;
}

describe('the checkout journey through the gateway (npm start)', () => {
  it('register → login → products → cart → checkout → charge → an operator’s partial refund, shown on the order; another user sees none of it', async () => {
    const alice = await shopper('Alice');

    // The catalogue is public.
    const products = await call<Page<Product>>('GET', '/cart/products?limit=5');
    expect(products.status).toBe(200);
    expect(products.body.items).toHaveLength(5);
    expect(products.body.nextCursor).toEqual(expect.any(String));
    const [first, second] = products.body.items;
    expect(first!.currency).toBe('USD');

    // Two products, then a change of mind about the first one's quantity.
    expect((await call('POST', '/cart/items', { token: alice, body: { productId: first!.id, quantity: 1 } })).status).toBe(201);
    expect((await call('POST', '/cart/items', { token: alice, body: { productId: second!.id, quantity: 2 } })).status).toBe(201);
    const changed = await call('PUT', `/cart/items/${first!.id}`, { token: alice, body: { quantity: 3 } });
    expect(changed.status).toBe(200);
    const total = 3 * first!.price + 2 * second!.price;
    expect(changed.body).toMatchObject({ subtotal: total, currency: 'USD' });

    // Checkout: the cart service charges through payment, acting for Alice.
    const key = randomUUID();
    const paid = await call<Paid & { items: unknown[] }>('POST', '/cart/checkout', {
      token: alice,
      key,
      body: { card: sandboxCard(VISA) },
    });
    expect(paid.status, lines.slice(-20).join('\n')).toBe(201);
    expect(paid.body).toMatchObject({ status: 'paid', amount: total, currency: 'USD', chargeId: expect.any(String) });
    expect(paid.body.items).toHaveLength(2);
    expect((await call('GET', '/cart', { token: alice })).body).toEqual({ items: [], subtotal: 0, currency: 'USD' });
    // Retrying the checkout is harmless: the same answer, no second charge.
    const replay = await call('POST', '/cart/checkout', { token: alice, key, body: { card: sandboxCard(VISA) } });
    expect(replay.status).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual(paid.body);

    // The charge is in payment, for the right amount, once.
    const charges = await call<Page<unknown>>('GET', '/payment/charges', { token: alice });
    expect(charges.status).toBe(200);
    expect(charges.body.items).toHaveLength(1);
    expect(charges.body.items[0]).toMatchObject({
      id: paid.body.chargeId,
      status: 'succeeded',
      amount: total,
      metadata: { orderId: paid.body.orderId },
    });

    // Alice cannot refund herself (free goods); an operator can, and the order shows it.
    const selfRefund = await call('POST', `/payment/charges/${paid.body.chargeId}/refunds`, { token: alice, key: randomUUID(), body: {} });
    expect(selfRefund.status).toBe(403);
    const operator = await shopper('Olga', { operator: true });
    const refund = await call('POST', `/payment/charges/${paid.body.chargeId}/refunds`, {
      token: operator,
      key: randomUUID(),
      body: { amount: 500 },
    });
    expect(refund.status, JSON.stringify(refund.body)).toBe(201);
    expect(refund.body).toMatchObject({ chargeId: paid.body.chargeId, amount: 500 });
    const charge = await call('GET', `/payment/charges/${paid.body.chargeId}`, { token: alice });
    expect(charge.body).toMatchObject({ amount: total, amountRefunded: 500 });

    await expect
      .poll(async () => (await call<Page<unknown>>('GET', '/cart/orders', { token: alice })).body.items, { timeout: 15_000, interval: 200 })
      .toMatchObject([
        { id: paid.body.orderId, status: 'partially_refunded', amount: total, amountRefunded: 500, chargeId: paid.body.chargeId },
      ]);

    // Bob cannot see (or refund) any of it.
    const bob = await shopper('Bob');
    expect((await call('GET', `/cart/orders/${paid.body.orderId}`, { token: bob })).status).toBe(404);
    expect((await call('GET', `/payment/charges/${paid.body.chargeId}`, { token: bob })).status).toBe(404);
    expect(
      (await call('POST', `/payment/charges/${paid.body.chargeId}/refunds`, { token: bob, key: randomUUID(), body: { amount: 1 } })).status,
    ).toBe(403);
    expect((await call('GET', '/cart/orders', { token: bob })).body).toEqual({ items: [], nextCursor: null });
    expect((await call('GET', '/payment/charges', { token: bob })).body).toEqual({ items: [], nextCursor: null });
  });

  it('a declined card answers 402 card_declined and keeps the cart as it was', async () => {
    const carol = await shopper('Carol');
    const [product] = (await call<Page<Product>>('GET', '/cart/products?limit=1')).body.items;
    const added = await call('POST', '/cart/items', { token: carol, body: { productId: product!.id, quantity: 2 } });
    expect(added.status).toBe(201);

    const declined = await call('POST', '/cart/checkout', { token: carol, key: randomUUID(), body: { card: sandboxCard(DECLINED) } });
    expect(declined.status).toBe(402);
    expect(declined.body).toMatchObject({ statusCode: 402, code: 'card_declined' });
    expect((await call('GET', '/cart', { token: carol })).body).toEqual(added.body);
    expect((await call<Page<unknown>>('GET', '/cart/orders', { token: carol })).body.items).toMatchObject([
      { status: 'failed', failureCode: 'card_declined' },
    ]);
    expect((await call<Page<unknown>>('GET', '/payment/charges', { token: carol })).body.items).toMatchObject([
      { status: 'failed', failureCode: 'card_declined' },
    ]);
  });
});
