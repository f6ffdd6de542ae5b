import { randomUUID } from 'node:crypto';
import { checkOpenApiConformance, type ExampleFactory } from '@myshop/testing';
import { describe, expect, it } from 'vitest';
import { buildPayment, chargeBody, createCharge } from '../helpers.ts';

describe('GET /payment/openapi.json, driven', () => {
  it('is valid OpenAPI 3.1 and every operation answers as it documents, valid requests and invalid ones', async ({ annotate }) => {
    const { app, signIn, signInOperator, cartService } = await buildPayment();
    /** A shopper with one charge, made as checkout makes it (the cart service for the shopper). */
    const shopperWithCharge = async (key = randomUUID()) => {
      const shopper = await signIn();
      const charge = await createCharge(app, shopper, chargeBody(), key);
      return { shopper, chargeId: charge.json<{ id: string }>().id };
    };
    const examples: Record<string, ExampleFactory> = {
      'POST /payment/charges': async () => ({ headers: { ...(await signIn()).cart, 'idempotency-key': randomUUID() }, body: chargeBody() }),
      'GET /payment/charges': async () => ({ headers: (await signIn()).headers, query: { limit: 5 } }),
      'GET /payment/charges/{id}': async () => {
        const { shopper, chargeId } = await shopperWithCharge();
        return { headers: shopper.headers, params: { id: chargeId } };
      },
      'POST /payment/charges/{id}/refunds': async () => {
        const { chargeId } = await shopperWithCharge();
        return {
          headers: { ...(await signInOperator()).headers, 'idempotency-key': randomUUID() },
          params: { id: chargeId },
          body: { amount: 100 },
        };
      },
      // The attempt with this key finished: voiding it replays its charge (201).
      'POST /payment/charges/void': async () => {
        const key = randomUUID();
        const { shopper } = await shopperWithCharge(key);
        return { headers: { ...shopper.cart, 'idempotency-key': key } };
      },
      'GET /payment/refunds': async () => ({ headers: (await cartService()).headers }),
    };

    const report = await checkOpenApiConformance({ app, documentUrl: '/payment/openapi.json', examples });

    await annotate(`${report.operations} operations, ${report.requests} requests, ${report.mismatches.length} mismatches`);
    expect(report.mismatches).toEqual([]);
    expect(report.operations).toBe(Object.keys(examples).length);
  });
});
