import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { calculateJwkThumbprint, decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { buildUser, login, register } from '../helpers.ts';

describe('signing key', () => {
  it('outside production, generates a key once under DATA_DIR so tokens survive a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'myshop-user-key-'));
    const first = await buildUser({ DATA_DIR: dataDir });
    await register(first.app);
    const token = await login(first.app);
    expect(existsSync(join(dataDir, 'user', 'jwt-signing-key.pem'))).toBe(true);

    // A new instance (a restart, or another replica) with the same DATA_DIR and the same database.
    const second = await buildUser({ DATA_DIR: dataDir });
    const kid = (app: typeof first.app) => app.inject({ url: '/user/.well-known/jwks.json' }).then((response) => response.json().keys[0].kid);
    expect(await kid(second.app)).toBe(await kid(first.app));
    expect((await first.app.inject({ url: '/user/me', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(200);
    const verified = await second.app.inject({ url: '/user/me', headers: { authorization: `Bearer ${token}` } });
    // The second app has its own fresh database, so the account is unknown there: the token itself is accepted.
    expect(verified.json().code).toBe('USER_NOT_FOUND');
  });

  it('signs with the configured key (ES256 for a P-256 key), named by its thumbprint', async () => {
    const keyPair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const { app } = await buildUser({ JWT_PRIVATE_KEY: keyPair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() });
    await register(app);
    const token = await login(app);
    const header = decodeProtectedHeader(token);
    expect(header.alg).toBe('ES256');
    const jwks = (await app.inject({ url: '/user/.well-known/jwks.json' })).json();
    expect(jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256' });
    expect(header.kid).toBe(await calculateJwkThumbprint(keyPair.publicKey.export({ format: 'jwk' }) as never));
    expect((await app.inject({ url: '/user/me', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(200);
  });
});
