import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { forgedTokens } from '@myshop/auth/testing';
import { jwtMatrix, tableState } from '@myshop/testing';
import { describe, expect, it } from 'vitest';
import { buildUser, login, register } from '../helpers.ts';

describe('forged access tokens, against the user service', () => {
  it('are all refused with 401 on GET /user/me, forged with its real key and kid, while its own token works', async () => {
    // The service's real signing key (as the Secret gives it), so forgeries can carry valid signatures.
    const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const { app, database, config } = await buildUser({ JWT_PRIVATE_KEY: pem });
    const user = await register(app);
    const jwks = (await app.inject({ url: '/user/.well-known/jwks.json' })).json() as { keys: Array<{ kid: string }> };
    const privateKey = createPrivateKey(pem);
    const signer = {
      privateKey,
      publicKey: createPublicKey(privateKey),
      alg: 'EdDSA' as const,
      kid: jwks.keys[0]!.kid,
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
    };
    const forgeries = await forgedTokens(signer, user.id);

    const result = await jwtMatrix({
      service: 'user',
      app,
      routes: [{ method: 'GET', url: '/user/me' }],
      forgeries,
      state: tableState(database, ['users']),
    });
    expect(result.problems).toEqual([]);
    expect(result.refused).toBe(forgeries.length);

    const genuine = await app.inject({ url: '/user/me', headers: { authorization: `Bearer ${await login(app)}` } });
    expect(genuine.statusCode).toBe(200);
    expect(genuine.json().id).toBe(user.id);
  });
});
