import { httpClient, statementsSent } from '@myshop/testing';
import { describe, expect, it } from 'vitest';
import { buildCart, fillCart, SOCKS, TSHIRT } from '../helpers.ts';

describe('GET /cart round trips to the database', () => {
  it('reads a priced cart in one statement', async () => {
    const { app, signIn } = await buildCart();
    const api = await httpClient(app);
    const user = await signIn();
    await fillCart(app, user, [
      { productId: SOCKS.id, quantity: 1 },
      { productId: TSHIRT.id, quantity: 2 },
    ]);
    const before = await statementsSent(app);

    const response = await api.get('/cart').set(user.headers);

    expect(response.status).toBe(200);
    expect(response.body.items).toHaveLength(2);
    expect((await statementsSent(app)) - before).toBe(1);
  });
});
