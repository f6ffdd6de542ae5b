import { randomUUID } from 'node:crypto';
import { checkOpenApiConformance, type ExampleFactory } from '@myshop/testing';
import { describe, expect, it } from 'vitest';
import { startFakePayment } from '../fake-payment.ts';
import { buildCart, card, checkout, fillCart, SOCKS } from '../helpers.ts';

describe('GET /cart/openapi.json, driven', () => {
  it('is valid OpenAPI 3.1 and every operation answers as it documents, valid requests and invalid ones', async ({ annotate }) => {
    const payment = await startFakePayment();
    const { app, signIn } = await buildCart({ env: { PAYMENT_URL: payment.url } });
    /** A shopper with socks in the cart. */
    const shopperWithSocks = async () => {
      const user = await signIn();
      await fillCart(app, user, [{ productId: SOCKS.id, quantity: 1 }]);
      return user;
    };
    const examples: Record<string, ExampleFactory> = {
      'GET /cart/products': async () => ({ query: { limit: 2 } }),
      'GET /cart/products/{id}': async () => ({ params: { id: SOCKS.id } }),
      'GET /cart': async () => ({ headers: (await signIn()).headers }),
      'DELETE /cart': async () => ({ headers: (await shopperWithSocks()).headers }),
      'POST /cart/items': async () => ({ headers: (await signIn()).headers, body: { productId: SOCKS.id, quantity: 1 } }),
      'PUT /cart/items/{productId}': async () => ({
        headers: (await shopperWithSocks()).headers,
        params: { productId: SOCKS.id },
        body: { quantity: 2 },
      }),
      'DELETE /cart/items/{productId}': async () => ({ headers: (await shopperWithSocks()).headers, params: { productId: SOCKS.id } }),
      'POST /cart/checkout': async () => ({
        headers: { ...(await shopperWithSocks()).headers, 'idempotency-key': randomUUID() },
        body: { card: card() },
      }),
      'GET /cart/orders': async () => ({ headers: (await signIn()).headers }),
      'GET /cart/orders/{id}': async () => {
        const user = await shopperWithSocks();
        const paid = await checkout(app, user);
        return { headers: user.headers, params: { id: paid.json<{ orderId: string }>().orderId } };
      },
    };

    const report = await checkOpenApiConformance({ app, documentUrl: '/cart/openapi.json', examples });

    await annotate(`${report.operations} operations, ${report.requests} requests, ${report.mismatches.length} mismatches`);
    expect(report.mismatches).toEqual([]);
    expect(report.operations).toBe(Object.keys(examples).length);
  });
});
