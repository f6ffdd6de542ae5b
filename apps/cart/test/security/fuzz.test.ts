/**
 * Every write route of the cart, fed 1,000+ malformed requests each (fast-check): never a 5xx,
 * always the JSON error shape, no stack trace or SQL, and nothing persisted.
 */
import { forgedTokens } from '@myshop/auth/testing';
import {
  badAuthorizationHeaders,
  cardFields,
  FUZZ_TIMEOUT_MS,
  fuzzJsonRoute,
  idempotencyKeyField,
  integerField,
  objectField,
  pathSegment,
  stringField,
  tableState,
  unicodeString,
} from '@myshop/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isUuid } from '@myshop/schemas';
import { buildCart, fillCart, SOCKS, TSHIRT } from '../helpers.ts';

const CART_TABLES = ['carts', 'cart_items', 'orders', 'order_items'];

/**
 * The cart service on a fresh database with one signed-in user whose cart holds socks: a request
 * that wrongly got through would change it (or record an order) and be caught.
 */
async function setUp() {
  const harness = await buildCart({ env: { PAYMENT_TIMEOUT_MS: '100' } });
  const user = await harness.signIn();
  await fillCart(harness.app, user, [{ productId: SOCKS.id, quantity: 2 }]);
  const productIds = (await harness.database.query<{ id: string }>('SELECT id FROM products ORDER BY id')).map((row) => row.id);
  const forged = (await forgedTokens(harness.issuer.signer, user.id)).map((forgery) => forgery.token);
  return {
    ...harness,
    user,
    headers: user.headers,
    productIds,
    badAuthorization: badAuthorizationHeaders(forged),
    state: tableState(harness.database, CART_TABLES),
  };
}

/** Ids the cart must not act on: unknown, malformed, URN or braced forms, too long, unicode. */
function foreignIds(productIds: string[], exclude: string[]): fc.Arbitrary<string> {
  return fc.oneof(
    fc.uuid(),
    fc.constantFrom(...productIds.filter((id) => !exclude.includes(id))),
    fc.constantFrom(...productIds).map((id) => `urn:uuid:${id}`),
    fc.constantFrom(...productIds).map((id) => `{${id}}`),
    fc.constantFrom(...productIds).map((id) => id.replaceAll('-', '')),
    unicodeString.filter((text) => text.length > 0),
    fc.string({ minLength: 101, maxLength: 300 }),
  );
}

function productIdField(productIds: string[]) {
  // Only a catalogue id (in any case) can end in the cart; everything else must be refused.
  return stringField(fc.constantFrom(...productIds), (text) => productIds.includes(text.toLowerCase()), {
    invalid: fc.oneof(
      fc.uuid(),
      fc.constantFrom(...productIds).map((id) => `urn:uuid:${id}`),
      fc.constantFrom(...productIds).map((id) => `{${id}}`),
    ),
  });
}

describe('hostile input to the cart (fast-check)', () => {
  it('POST /cart/items: malformed additions never get a 5xx and change nothing', { timeout: FUZZ_TIMEOUT_MS }, async () => {
    const { productIds, ...target } = await setUp();
    const result = await fuzzJsonRoute(target, 'POST /cart/items', {
      body: { productId: productIdField(productIds), quantity: integerField(1, 99) },
    });
    expect(result.serverErrors).toBe(0);
  });

  it(
    'PUT /cart/items/:productId: malformed quantity changes never get a 5xx and change nothing',
    { timeout: FUZZ_TIMEOUT_MS },
    async () => {
      const { productIds, ...target } = await setUp();
      const result = await fuzzJsonRoute(target, 'PUT /cart/items/:productId', {
        url: {
          valid: fc.constant(`/cart/items/${SOCKS.id}`),
          invalid: foreignIds(productIds, [SOCKS.id]).map((id) => `/cart/items/${pathSegment(id)}`),
        },
        body: { quantity: integerField(1, 99) },
      });
      expect(result.serverErrors).toBe(0);
    },
  );

  it('DELETE /cart/items/:productId: malformed removals never get a 5xx and change nothing', { timeout: FUZZ_TIMEOUT_MS }, async () => {
    const { productIds, ...target } = await setUp();
    const result = await fuzzJsonRoute(target, 'DELETE /cart/items/:productId', {
      url: {
        valid: fc.constant(`/cart/items/${SOCKS.id}`),
        invalid: foreignIds(productIds, [SOCKS.id, SOCKS.id.toUpperCase()])
          .filter((id) => id.toLowerCase() !== SOCKS.id)
          .map((id) => `/cart/items/${pathSegment(id)}`),
      },
    });
    expect(result.serverErrors).toBe(0);
  });

  it('DELETE /cart: malformed requests to empty the cart never get a 5xx and change nothing', { timeout: FUZZ_TIMEOUT_MS }, async () => {
    const target = await setUp();
    const result = await fuzzJsonRoute(target, 'DELETE /cart', {
      url: { valid: fc.constantFrom('/cart', '/cart/') },
    });
    expect(result.serverErrors).toBe(0);
  });

  it(
    'POST /cart/checkout: malformed checkouts never get a 5xx, record no order and leave the cart',
    { timeout: FUZZ_TIMEOUT_MS },
    async () => {
      const target = await setUp();
      const result = await fuzzJsonRoute(target, 'POST /cart/checkout', {
        headerSpecs: { 'idempotency-key': idempotencyKeyField },
        body: { card: objectField(cardFields) },
      });
      expect(result.serverErrors).toBe(0);
    },
  );
});

describe('the contract the fuzzing relies on', () => {
  it('takes a well-formed request to each route, so the refusals above are not for a trivial reason', async () => {
    const { app, user, storedCart } = await setUp();
    const put = await app.inject({ method: 'PUT', url: `/cart/items/${SOCKS.id}`, headers: user.headers, payload: { quantity: 3 } });
    expect(put.statusCode).toBe(200);
    const add = await app.inject({
      method: 'POST',
      url: '/cart/items',
      headers: user.headers,
      payload: { productId: TSHIRT.id, quantity: 1 },
    });
    expect(add.statusCode).toBe(201);
    const remove = await app.inject({ method: 'DELETE', url: `/cart/items/${TSHIRT.id}`, headers: user.headers });
    expect(remove.statusCode).toBe(200);
    expect(await storedCart(user)).toEqual([{ product_id: SOCKS.id, quantity: 3 }]);
    expect(isUuid(SOCKS.id)).toBe(true);
  });

  it('refuses a URN product id with 400, not a database error', async () => {
    const { app, user, storedCart } = await setUp();
    const response = await app.inject({
      method: 'POST',
      url: '/cart/items',
      headers: user.headers,
      payload: { productId: `urn:uuid:${TSHIRT.id}`, quantity: 1 },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'FST_ERR_VALIDATION', message: expect.stringContaining('body/productId') });
    expect(await storedCart(user)).toEqual([{ product_id: SOCKS.id, quantity: 2 }]);
  });
});
