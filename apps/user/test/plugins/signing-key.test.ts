import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { authPlugin, createRemoteKeySet } from '@myshop/auth';
import { serveJwks } from '@myshop/auth/testing';
import { errorHandlerPlugin } from '@myshop/errors';
import Fastify from 'fastify';
import { calculateJwkThumbprint, decodeProtectedHeader } from 'jose';
import { describe, expect, it, onTestFinished } from 'vitest';
import { buildUserApp } from '../../src/app.ts';
import { loadUserConfig } from '../../src/config.ts';
import { buildUser, CART_SECRET, login, register } from '../helpers.ts';

describe('signing key', () => {
  it('outside production, generates a key once under DATA_DIR so tokens survive a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'myshop-user-key-'));
    const first = await buildUser({ DATA_DIR: dataDir });
    await register(first.app);
    const token = await login(first.app);
    expect(existsSync(join(dataDir, 'user', 'jwt-signing-key.pem'))).toBe(true);

    // A new instance (a restart, or another replica) with the same DATA_DIR and the same database.
    const second = await buildUser({ DATA_DIR: dataDir });
    const kid = (app: typeof first.app) =>
      app.inject({ url: '/user/.well-known/jwks.json' }).then((response) => response.json().keys[0].kid);
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
    expect(header).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
    const jwks = (await app.inject({ url: '/user/.well-known/jwks.json' })).json();
    expect(jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256' });
    expect(header.kid).toBe(await calculateJwkThumbprint(keyPair.publicKey.export({ format: 'jwk' }) as never));
    expect((await app.inject({ url: '/user/me', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(200);
  });
});

describe('key rotation with live tokens', () => {
  const pemOf = () => generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const publicPemOf = (pem: string) => createPublicKey(pem).export({ type: 'spki', format: 'pem' }).toString();

  it('publishes the current key first, then the next and the previous one; the private halves never', async () => {
    const [current, next, previous] = [pemOf(), pemOf(), pemOf()];
    const { app } = await buildUser({ JWT_PRIVATE_KEY: current, JWT_NEXT_KEY: publicPemOf(next), JWT_PREVIOUS_KEY: previous });
    const { keys } = (await app.inject({ url: '/user/.well-known/jwks.json' })).json() as { keys: Array<Record<string, string>> };
    const thumbprint = (pem: string) => calculateJwkThumbprint(createPublicKey(pem).export({ format: 'jwk' }) as never);
    expect(keys.map((key) => key.kid)).toEqual([await thumbprint(current), await thumbprint(next), await thumbprint(previous)]);
    expect(keys.every((key) => key.d === undefined)).toBe(true);
  });

  it('publishes a key named twice (a rotation step repeated) once: two keys under one kid would make verifiers refuse every token', async () => {
    const [current, other] = [pemOf(), pemOf()];
    const thumbprint = (pem: string) => calculateJwkThumbprint(createPublicKey(pem).export({ format: 'jwk' }) as never);
    const expected = [await thumbprint(current), await thumbprint(other)];
    for (const env of [
      { JWT_NEXT_KEY: publicPemOf(current), JWT_PREVIOUS_KEY: other },
      { JWT_NEXT_KEY: publicPemOf(other), JWT_PREVIOUS_KEY: other },
    ]) {
      const { app } = await buildUser({ JWT_PRIVATE_KEY: current, ...env });
      const { keys } = (await app.inject({ url: '/user/.well-known/jwks.json' })).json() as { keys: Array<Record<string, string>> };
      expect(keys.map((key) => key.kid)).toEqual(expected);
    }
  });

  it('refuses no live token during or after a rotation, on the user service and on a verifier holding a cached key set', async () => {
    const [oldKey, newKey] = [pemOf(), pemOf()];
    // Every step is a new replica on the same database (a rolling update); the key set a verifier
    // fetches comes from the replica the Service picked last.
    const step0 = await buildUser({ JWT_PRIVATE_KEY: oldKey });
    const env = (keys: Record<string, string>) => ({ ...keys, DATA_DIR: step0.config.DATA_DIR, JWT_ISSUER: step0.config.JWT_ISSUER });
    await register(step0.app);
    const servedBy = { app: step0.app };
    const jwksServer = await serveJwks(() => servedBy.app.inject({ url: '/user/.well-known/jwks.json' }).then((answer) => answer.body));
    onTestFinished(() => jwksServer.close());
    const verifier = Fastify({ logger: false });
    onTestFinished(() => verifier.close());
    await verifier.register(errorHandlerPlugin);
    // A cached key set as cart and payment hold it: fetched once, asked again only for a kid it lacks.
    const keys = createRemoteKeySet(jwksServer.url, { cooldownMs: 0 });
    await verifier.register(authPlugin, { issuer: step0.config.JWT_ISSUER, audience: step0.config.JWT_AUDIENCE, keys });
    verifier.get('/private', { onRequest: verifier.authenticate }, async (request) => ({ userId: request.user.id }));

    const accepted = async (token: string, apps: Array<typeof step0.app>) => {
      const answers = [(await verifier.inject({ url: '/private', headers: { authorization: `Bearer ${token}` } })).statusCode];
      for (const app of apps)
        answers.push((await app.inject({ url: '/user/me', headers: { authorization: `Bearer ${token}` } })).statusCode);
      return answers;
    };
    const withDatabase = async (keysEnv: Record<string, string>) => {
      const app = await buildUserApp({
        config: loadUserConfig({ NODE_ENV: 'test', CART_CLIENT_SECRET: CART_SECRET, ...env(keysEnv) }),
        logger: step0.logs.logger,
        databaseUrl: step0.database.url,
      });
      onTestFinished(() => app.close());
      await app.ready();
      return app;
    };

    const oldToken = await login(step0.app);
    expect(await accepted(oldToken, [step0.app])).toEqual([200, 200]);

    // 1. Publish the next key (it does not sign yet); wait for caches to expire.
    const step1 = await withDatabase({ JWT_PRIVATE_KEY: oldKey, JWT_NEXT_KEY: newKey });
    servedBy.app = step1;
    expect(await accepted(await login(step1), [step0.app, step1])).toEqual([200, 200, 200]);

    // 2. Sign with it; the old key stays published until the tokens it signed expire. While the
    //    rollout runs, replicas of step 1 and step 2 issue tokens side by side.
    const step2 = await withDatabase({ JWT_PRIVATE_KEY: newKey, JWT_PREVIOUS_KEY: oldKey });
    servedBy.app = step2;
    const newToken = await login(step2);
    expect(decodeProtectedHeader(newToken).kid).not.toBe(decodeProtectedHeader(oldToken).kid);
    expect(await accepted(newToken, [step1, step2])).toEqual([200, 200, 200]);
    expect(await accepted(oldToken, [step1, step2])).toEqual([200, 200, 200]);
    expect(await accepted(await login(step1), [step1, step2])).toEqual([200, 200, 200]);

    // 3. Once the old key's tokens have expired, it leaves the set: only then is one refused.
    const step3 = await withDatabase({ JWT_PRIVATE_KEY: newKey });
    servedBy.app = step3;
    expect(await accepted(newToken, [step3])).toEqual([200, 200]);
    expect((await step3.inject({ url: '/user/me', headers: { authorization: `Bearer ${oldToken}` } })).statusCode).toBe(401);
  });
});
