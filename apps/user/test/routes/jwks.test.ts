import { createLocalJWKSet, jwtVerify } from 'jose';
import { httpClient } from '@myshop/testing';
import { describe, expect, it } from 'vitest';
import { buildUser, login, register } from '../helpers.ts';

describe('GET /user/.well-known/jwks.json', () => {
  it('publishes the public key that verifies issued tokens, and nothing private', async () => {
    const { app } = await buildUser();
    await register(app);
    const token = await login(app);
    const api = await httpClient(app);
    const response = await api.get('/user/.well-known/jwks.json');
    expect(response.status).toBe(200);
    expect(response.headers['cache-control']).toBe('public, max-age=300');
    const jwks = response.body;
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig', kid: expect.any(String) });
    expect(jwks.keys[0].d).toBeUndefined();
    const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), { issuer: 'https://myshop.com/user', audience: 'myshop' });
    expect(payload.sub).toEqual(expect.any(String));
  });

  it('documents its Cache-Control in the OpenAPI document, as it sends it', async () => {
    const { app } = await buildUser();
    const api = await httpClient(app);
    const { paths } = (await api.get('/user/openapi.json')).body;
    const ok = paths['/user/.well-known/jwks.json'].get.responses['200'];
    expect(ok.headers['cache-control'].description).toContain('public, max-age=300');
  });
});
