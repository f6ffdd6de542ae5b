import { randomUUID } from 'node:crypto';
import { PAYMENT_AUDIENCE, SCOPES } from '@myshop/auth';
import { checkOpenApiConformance, type ExampleFactory } from '@myshop/testing';
import { describe, expect, it } from 'vitest';
import { buildUser, CART_SECRET, login, PASSWORD, register } from '../helpers.ts';

describe('GET /user/openapi.json, driven', () => {
  it('is valid OpenAPI 3.1 and every operation answers as it documents, valid requests and invalid ones', async ({ annotate }) => {
    // Every example signs up someone new: no attempt limit may stand in the way.
    const { app } = await buildUser({ REGISTER_LIMIT_PER_IP: '10000', LOGIN_LIMIT_PER_IP: '10000' });
    const newAccount = async () => {
      const email = `conformance-${randomUUID()}@example.com`;
      await register(app, email);
      return email;
    };
    const examples: Record<string, ExampleFactory> = {
      'POST /user/register': async () => ({ body: { email: `conformance-${randomUUID()}@example.com`, password: PASSWORD, name: 'Ada' } }),
      'POST /user/login': async () => ({ body: { email: await newAccount(), password: PASSWORD } }),
      'GET /user/me': async () => ({ headers: { authorization: `Bearer ${await login(app, await newAccount())}` } }),
      'GET /user/.well-known/jwks.json': async () => ({}),
      'POST /user/oauth/token': async () => ({
        body: {
          grant_type: 'client_credentials',
          client_id: 'cart',
          client_secret: CART_SECRET,
          audience: PAYMENT_AUDIENCE,
          scope: SCOPES.readRefunds,
        },
      }),
    };

    const report = await checkOpenApiConformance({ app, documentUrl: '/user/openapi.json', examples });

    await annotate(`${report.operations} operations, ${report.requests} requests, ${report.mismatches.length} mismatches`);
    expect(report.mismatches).toEqual([]);
    expect(report.operations).toBe(Object.keys(examples).length);
  });
});
