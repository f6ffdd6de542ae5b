import { setTimeout } from 'node:timers/promises';
import { httpClient } from '@myshop/testing';
import { describe, expect, it } from 'vitest';
import { lockCart } from '../../src/carts-repository.ts';
import { buildCart, fillCart, SOCKS, TSHIRT } from '../helpers.ts';

describe('DELETE /cart', () => {
  it('empties the cart and answers 204 without a body', async () => {
    const { app, signIn, storedCart } = await buildCart();
    const api = await httpClient(app);
    const user = await signIn();
    const other = await signIn();
    await fillCart(app, user, [
      { productId: SOCKS.id, quantity: 5 },
      { productId: TSHIRT.id, quantity: 1 },
    ]);
    await fillCart(app, other, [{ productId: SOCKS.id, quantity: 1 }]);
    const response = await api.delete('/cart').set(user.headers);
    expect(response.status).toBe(204);
    expect(response.text).toBe('');
    expect(await storedCart(user)).toEqual([]);
    expect(await storedCart(other)).toEqual([{ product_id: SOCKS.id, quantity: 1 }]);
    const cart = await api.get('/cart').set(user.headers);
    expect(cart.body).toEqual({ items: [], subtotal: 0, currency: 'USD' });
  });

  it('answers 204 for a cart that is already empty', async () => {
    const { app, signIn } = await buildCart();
    const api = await httpClient(app);
    const user = await signIn();
    expect((await api.delete('/cart').set(user.headers)).status).toBe(204);
    expect((await api.delete('/cart').set(user.headers)).status).toBe(204);
  });

  it('empties the cart when the request says JSON and sends nothing, as many clients send every request', async () => {
    const { app, signIn, storedCart } = await buildCart();
    const api = await httpClient(app);
    const user = await signIn();
    await fillCart(app, user, [{ productId: SOCKS.id, quantity: 2 }]);
    const response = await api.delete('/cart').set(user.headers).set('content-type', 'application/json');
    expect(response.status).toBe(204);
    expect(await storedCart(user)).toEqual([]);
  });

  it('waits for a change of the cart under way (its lock), as every change of the cart does, instead of deadlocking with it', async () => {
    const { app, signIn, storedCart } = await buildCart();
    const user = await signIn();
    await fillCart(app, user, [{ productId: SOCKS.id, quantity: 2 }]);
    // Another change of this cart holding its lock, as an add does between reading a line and adding to it.
    let locked!: () => void;
    let release!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    const change = app.db.transaction(async (tx) => {
      await lockCart(tx, user.id);
      locked();
      await released;
      // Then writes the line it read, as an add does: a clear that had taken the line meanwhile would deadlock with it.
      await tx.query('UPDATE cart_items SET quantity = quantity + 1 WHERE user_id = $1', [user.id]);
    });
    await isLocked;
    let answered = false;
    const clearing = app.inject({ method: 'DELETE', url: '/cart', headers: user.headers }).finally(() => (answered = true));
    await setTimeout(1000);
    expect(answered).toBe(false);
    expect(await storedCart(user)).toEqual([{ product_id: SOCKS.id, quantity: 2 }]);
    release();
    await change;
    expect((await clearing).statusCode).toBe(204);
    expect(await storedCart(user)).toEqual([]);
  });

  it('answers 401 without a token', async () => {
    const { app } = await buildCart();
    const api = await httpClient(app);
    expect((await api.delete('/cart')).status).toBe(401);
  });
});
