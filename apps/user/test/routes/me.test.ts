import { SignJWT, generateKeyPair, decodeProtectedHeader, decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { buildUser, login, register } from '../helpers.ts';

const me = (token?: string) => ({ method: 'GET' as const, url: '/user/me', headers: token ? { authorization: `Bearer ${token}` } : {} });

describe('GET /user/me', () => {
  it("returns the token owner's profile", async () => {
    const { app } = await buildUser();
    const user = await register(app);
    const response = await app.inject(me(await login(app)));
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual(user);
  });

  it('answers 401 without a token, with a malformed one, an expired one, or one signed by another key', async () => {
    const { app } = await buildUser({ ACCESS_TOKEN_TTL_SECONDS: '60' });
    await register(app);
    const token = await login(app);
    const claims = decodeJwt(token);
    const { kid } = decodeProtectedHeader(token);
    const stranger = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const forged = await new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA', kid }).sign(stranger.privateKey);
    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const expired = await new SignJWT({ ...claims, exp: Math.floor(Date.now() / 1000) - 120 }).setProtectedHeader({ alg: 'EdDSA', kid }).sign(privateKey);

    expect((await app.inject(me())).json().code).toBe('AUTH_MISSING_TOKEN');
    for (const bad of ['garbage', `${token}x`, forged, expired]) {
      const response = await app.inject(me(bad));
      expect(response.statusCode).toBe(401);
      expect(response.json()).toMatchObject({ statusCode: 401, code: 'AUTH_INVALID_TOKEN' });
    }
  });

  it('answers 401 when the account behind a valid token no longer exists', async () => {
    const { app, database } = await buildUser();
    await register(app);
    const token = await login(app);
    await database.query('DELETE FROM users');
    const response = await app.inject(me(token));
    expect(response.statusCode).toBe(401);
    expect(response.json().code).toBe('USER_NOT_FOUND');
  });
});
