import { randomUUID } from 'node:crypto';
import { httpClient } from '@myshop/testing';
import { describe, expect, it } from 'vitest';
import { addItem, addProducts, buildCart, cartHolding, fillCart, SOCKS, TSHIRT } from '../helpers.ts';

describe('POST /cart/items', () => {
  it('puts a product in the cart and answers 201 with the cart, and where it is read', async () => {
    const { app, signIn, storedCart } = await buildCart();
    const api = await httpClient(app);
    const user = await signIn();
    const response = await addItem(api, user, { productId: SOCKS.id, quantity: 2 });
    expect(response.status).toBe(201);
    expect(response.headers.location).toBe('/cart');
    expect(response.body).toEqual({
      items: [{ productId: SOCKS.id, name: SOCKS.name, quantity: 2, unitPrice: SOCKS.price, lineTotal: 2 * SOCKS.price }],
      subtotal: 2 * SOCKS.price,
      currency: 'USD',
    });
    expect(await storedCart(user)).toEqual([{ product_id: SOCKS.id, quantity: 2 }]);
  });

  it('adds to the quantity of a product already in the cart', async () => {
    const { api, user, storedCart } = await cartHolding([
      { productId: SOCKS.id, quantity: 2 },
      { productId: TSHIRT.id, quantity: 1 },
    ]);
    const response = await addItem(api, user, { productId: SOCKS.id, quantity: 5 });
    expect(response.status).toBe(201);
    expect(response.body.items).toMatchObject([
      { productId: SOCKS.id, quantity: 7 },
      { productId: TSHIRT.id, quantity: 1 },
    ]);
    expect(await storedCart(user)).toEqual([
      { product_id: SOCKS.id, quantity: 7 },
      { product_id: TSHIRT.id, quantity: 1 },
    ]);
  });

  it('allows 99 of a product and refuses one more with 422 CART_QUANTITY_LIMIT, keeping the line', async () => {
    const { app, signIn, storedCart } = await buildCart();
    const api = await httpClient(app);
    const user = await signIn();
    expect((await addItem(api, user, { productId: SOCKS.id, quantity: 60 })).status).toBe(201);
    expect((await addItem(api, user, { productId: SOCKS.id, quantity: 39 })).status).toBe(201);
    const response = await addItem(api, user, { productId: SOCKS.id, quantity: 1 });
    expect(response.status).toBe(422);
    expect(response.body).toEqual({
      statusCode: 422,
      code: 'CART_QUANTITY_LIMIT',
      error: 'Unprocessable Entity',
      message: 'A cart line holds at most 99 of a product',
    });
    expect(await storedCart(user)).toEqual([{ product_id: SOCKS.id, quantity: 99 }]);
  });

  it('accepts 99 of a product in one request, a whole line at once', async () => {
    const { app, signIn, storedCart } = await buildCart();
    const api = await httpClient(app);
    const user = await signIn();
    const response = await addItem(api, user, { productId: SOCKS.id, quantity: 99 });
    expect(response.status).toBe(201);
    expect(response.body.items).toMatchObject([{ productId: SOCKS.id, quantity: 99, lineTotal: 99 * SOCKS.price }]);
    expect(await storedCart(user)).toEqual([{ product_id: SOCKS.id, quantity: 99 }]);
  });

  it.each([100, 1_000_000, 1e21])('refuses a quantity of %d in one request with 422 CART_QUANTITY_LIMIT', async (quantity) => {
    const { app, signIn, storedCart } = await buildCart();
    const api = await httpClient(app);
    const user = await signIn();
    const response = await addItem(api, user, { productId: SOCKS.id, quantity });
    expect(response.status).toBe(422);
    expect(response.body).toMatchObject({ code: 'CART_QUANTITY_LIMIT' });
    expect(await storedCart(user)).toEqual([]);
  });

  it.each([
    ['a quantity of 0', { productId: SOCKS.id, quantity: 0 }, 'body/quantity must be >= 1'],
    ['a negative quantity', { productId: SOCKS.id, quantity: -3 }, 'body/quantity must be >= 1'],
    ['a fractional quantity', { productId: SOCKS.id, quantity: 1.5 }, 'body/quantity must be integer'],
    ['a quantity as text', { productId: SOCKS.id, quantity: '2' }, 'body/quantity must be integer'],
    ['no quantity', { productId: SOCKS.id }, 'body/quantity is required'],
    ['no product', { quantity: 1 }, 'body/productId is required'],
    ['a product id that is not a uuid', { productId: 'socks', quantity: 1 }, 'body/productId must match format "uuid"'],
    ['a price of its own', { productId: SOCKS.id, quantity: 1, price: 1 }, 'body/price is not allowed'],
    ['a user id of its own', { productId: SOCKS.id, quantity: 1, userId: randomUUID() }, 'body/userId is not allowed'],
  ])('refuses %s with 400 naming the field, storing nothing', async (_case, payload, message) => {
    const { app, signIn, storedCart } = await buildCart();
    const api = await httpClient(app);
    const user = await signIn();
    const response = await addItem(api, user, payload);
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ statusCode: 400, code: 'FST_ERR_VALIDATION', error: 'Bad Request', message });
    expect(await storedCart(user)).toEqual([]);
  });

  it('refuses a body that is not JSON with 400 and one of another type with 415', async () => {
    const { app, signIn, storedCart } = await buildCart();
    const api = await httpClient(app);
    const user = await signIn();
    const broken = await api
      .post('/cart/items')
      .set({ ...user.headers, 'content-type': 'application/json' })
      .send('{"productId":');
    expect(broken.status).toBe(400);
    expect(broken.body).toMatchObject({ statusCode: 400 });
    const text = await api
      .post('/cart/items')
      .set({ ...user.headers, 'content-type': 'application/xml' })
      .send('<item>socks</item>');
    expect(text.status).toBe(415);
    expect(text.body).toMatchObject({ statusCode: 415 });
    expect(await storedCart(user)).toEqual([]);
  });

  it('answers 404 CART_PRODUCT_NOT_FOUND for a product not in the catalogue, storing nothing', async () => {
    const { app, signIn, storedCart } = await buildCart();
    const api = await httpClient(app);
    const user = await signIn();
    const response = await addItem(api, user, { productId: randomUUID(), quantity: 1 });
    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ code: 'CART_PRODUCT_NOT_FOUND' });
    expect(await storedCart(user)).toEqual([]);
  });

  it('answers 401 without a token, storing nothing', async () => {
    const { app, database } = await buildCart();
    const api = await httpClient(app);
    const response = await api.post('/cart/items').send({ productId: SOCKS.id, quantity: 1 });
    expect(response.status).toBe(401);
    expect(await database.query('SELECT * FROM cart_items')).toEqual([]);
  });

  it('holds at most 50 different products: the 51st is 422 CART_LINE_LIMIT, more of one already there is fine', async () => {
    const { app, database, signIn, storedCart } = await buildCart();
    const api = await httpClient(app);
    const user = await signIn();
    const ids = await addProducts(database, 51);
    await fillCart(
      app,
      user,
      ids.slice(0, 50).map((productId) => ({ productId, quantity: 1 })),
    );
    const response = await addItem(api, user, { productId: ids[50], quantity: 1 });
    expect(response.status).toBe(422);
    expect(response.body).toMatchObject({ code: 'CART_LINE_LIMIT', message: 'A cart holds at most 50 different products' });
    expect(await storedCart(user)).toHaveLength(50);
    expect((await addItem(api, user, { productId: ids[0], quantity: 1 })).status).toBe(201);
  });

  it("adds to the caller's own line only: another shopper's line of the product is neither added to nor read", async () => {
    const { app, signIn, storedCart } = await buildCart();
    const api = await httpClient(app);
    const alice = await signIn();
    const bob = await signIn();
    await fillCart(app, alice, [{ productId: SOCKS.id, quantity: 2 }]);
    // Bob's first add starts his own line, though Alice holds one of the same product.
    expect((await addItem(api, bob, { productId: SOCKS.id, quantity: 3 })).body.items).toMatchObject([
      { productId: SOCKS.id, quantity: 3 },
    ]);
    // His second adds to his line alone.
    expect((await addItem(api, bob, { productId: SOCKS.id, quantity: 1 })).body.items).toMatchObject([
      { productId: SOCKS.id, quantity: 4 },
    ]);
    expect(await storedCart(bob)).toEqual([{ product_id: SOCKS.id, quantity: 4 }]);
    expect(await storedCart(alice)).toEqual([{ product_id: SOCKS.id, quantity: 2 }]);
  });

  it("counts the caller's own lines against the line limit: another shopper's full cart does not fill it", async () => {
    const { app, database, signIn, storedCart } = await buildCart();
    const api = await httpClient(app);
    const alice = await signIn();
    const bob = await signIn();
    const ids = await addProducts(database, 50);
    await fillCart(
      app,
      alice,
      ids.map((productId) => ({ productId, quantity: 1 })),
    );
    expect((await addItem(api, bob, { productId: ids[0], quantity: 1 })).status).toBe(201);
    expect(await storedCart(bob)).toEqual([{ product_id: ids[0], quantity: 1 }]);
  });

  it('keeps the line limit when products are added concurrently', async () => {
    const { app, database, signIn, storedCart } = await buildCart();
    const api = await httpClient(app);
    const user = await signIn();
    const ids = await addProducts(database, 60);
    await fillCart(
      app,
      user,
      ids.slice(0, 45).map((productId) => ({ productId, quantity: 1 })),
    );
    const responses = await Promise.all(ids.slice(45).map((productId) => addItem(api, user, { productId, quantity: 1 })));
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses.filter((status) => status === 201)).toHaveLength(5);
    expect(statuses.filter((status) => status === 422)).toHaveLength(10);
    expect(await storedCart(user)).toHaveLength(50);
  });

  it('adds concurrent requests for one product up, losing none', async () => {
    const { app, signIn, storedCart } = await buildCart();
    const api = await httpClient(app);
    const user = await signIn();
    const responses = await Promise.all(Array.from({ length: 10 }, () => addItem(api, user, { productId: SOCKS.id, quantity: 3 })));
    expect(responses.every((response) => response.status === 201)).toBe(true);
    expect(await storedCart(user)).toEqual([{ product_id: SOCKS.id, quantity: 30 }]);
  });
});
