import { generateKeyPairSync } from 'node:crypto';
import { SignJWT, generateKeyPair, decodeProtectedHeader, decodeJwt } from 'jose';
import { httpClient, type HttpClient } from '@myshop/testing';
import { describe, expect, it } from 'vitest';
import { buildUser, login, register } from '../helpers.ts';

const me = (api: HttpClient, token?: string) => api.get('/user/me').set(token ? { authorization: `Bearer ${token}` } : {});

describe('GET /user/me', () => {
  it("returns the token owner's profile", async () => {
    const { app } = await buildUser();
    const user = await register(app);
    const api = await httpClient(app);
    const response = await me(api, await login(app));
    expect(response.status).toBe(200);
    expect(response.body).toEqual(user);
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
    const expired = await new SignJWT({ ...claims, exp: Math.floor(Date.now() / 1000) - 120 })
      .setProtectedHeader({ alg: 'EdDSA', kid })
      .sign(privateKey);

    const api = await httpClient(app);
    expect((await me(api)).body.code).toBe('AUTH_MISSING_TOKEN');
    for (const bad of ['garbage', `${token}x`, forged, expired]) {
      const response = await me(api, bad);
      expect(response.status).toBe(401);
      expect(response.body).toMatchObject({ statusCode: 401, code: 'AUTH_INVALID_TOKEN' });
    }
  });

  it('answers 401 with the invalid_token challenge when the account behind a valid token no longer exists', async () => {
    const { app, database } = await buildUser();
    await register(app);
    const token = await login(app);
    await database.query('DELETE FROM users');
    const api = await httpClient(app);
    const response = await me(api, token);
    expect(response.status).toBe(401);
    expect(response.body.code).toBe('USER_NOT_FOUND');
    // Like every other refused token (RFC 6750 §3), as the document declares for this 401.
    expect(response.headers['www-authenticate']).toBe('Bearer realm="myshop", error="invalid_token"');
  });

  it('answers 401, never 500, for a genuine token whose sub is not a UUID: USER_NOT_FOUND, or AUTH_INVALID_TOKEN for no id at all', async () => {
    // The service's real signing key, so these tokens carry valid signatures and pass verification.
    const signingKey = generateKeyPairSync('ed25519').privateKey;
    const { app, database } = await buildUser({ JWT_PRIVATE_KEY: signingKey.export({ type: 'pkcs8', format: 'pem' }).toString() });
    await register(app);
    const token = await login(app);
    const claims = decodeJwt(token);
    const header = decodeProtectedHeader(token);
    const withSub = (sub: unknown) =>
      new SignJWT({ ...claims, sub } as Record<string, unknown>).setProtectedHeader(header as { alg: string }).sign(signingKey);

    const api = await httpClient(app);
    expect((await me(api, await withSub(claims.sub))).status).toBe(200);
    for (const sub of ['not-a-uuid', `urn:uuid:${claims.sub}`, ` ${claims.sub}`, 'x'.repeat(255)]) {
      const response = await me(api, await withSub(sub));
      expect(response.status, JSON.stringify(sub)).toBe(401);
      expect(response.body).toEqual({
        statusCode: 401,
        code: 'USER_NOT_FOUND',
        error: 'Unauthorized',
        message: 'The account of this token no longer exists',
      });
    }
    // Not a string, too long to be anyone's id, or holding a character no id has: refused with the token.
    for (const sub of [12345, 'x'.repeat(5000), '\u0000', `${claims.sub}\u0000`, `${claims.sub}\ud800`]) {
      const response = await me(api, await withSub(sub));
      expect(response.status, JSON.stringify(sub)).toBe(401);
      expect(response.body.code).toBe('AUTH_INVALID_TOKEN');
      expect(response.headers['www-authenticate']).toBe('Bearer realm="myshop", error="invalid_token"');
    }
    expect(await database.query('SELECT count(*)::int AS n FROM users')).toEqual([{ n: 1 }]);
  });
});
