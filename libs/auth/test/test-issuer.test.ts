import { decodeProtectedHeader, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { createTestIssuer } from '../src/testing/index.ts';

describe('createTestIssuer', () => {
  it('signs access tokens its keys verify, with overridable claims', async () => {
    const issuer = await createTestIssuer();
    const token = await issuer.sign('user-1', { claims: { aud: 'other' } });
    expect(decodeProtectedHeader(token).typ).toBe('at+jwt');
    await expect(jwtVerify(token, issuer.keys, { issuer: issuer.issuer, audience: 'other' })).resolves.toMatchObject({
      payload: { sub: 'user-1' },
    });
    await expect(jwtVerify(token, issuer.keys, { issuer: issuer.issuer, audience: issuer.audience })).rejects.toThrow();
  });

  it('signs operator and service tokens as the user service does', async () => {
    const issuer = await createTestIssuer();
    const operator = await jwtVerify(await issuer.signOperator('ops-1'), issuer.keys, { audience: issuer.audience });
    expect(operator.payload).toMatchObject({ sub: 'ops-1', roles: ['operator'], client_id: 'myshop' });
    const service = await jwtVerify(await issuer.signService('user-1', { scope: 'payment:charge' }), issuer.keys, { audience: 'payment' });
    expect(service.payload).toMatchObject({ sub: 'user-1', client_id: 'cart', act: { sub: 'cart' }, scope: 'payment:charge' });
  });
});
