import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorHandlerPlugin } from '@myshop/errors';
import { createTestIssuer, type TestIssuer } from '@myshop/testing';
import Fastify from 'fastify';
import { exportJWK, generateKeyPair, SignJWT, type JWTVerifyGetKey } from 'jose';
import { describe, expect, it, onTestFinished } from 'vitest';
import { authPlugin } from '../src/index.ts';

const USER_ID = '6f1c1f04-4a57-4a39-9a9e-2b1f0e3b7a11';

async function buildApp(issuer: TestIssuer, keys: URL | JWTVerifyGetKey = issuer.keys) {
  const app = Fastify({ logger: false });
  onTestFinished(() => app.close());
  await app.register(errorHandlerPlugin);
  await app.register(authPlugin, { issuer: issuer.issuer, audience: issuer.audience, keys });
  app.get('/private', { onRequest: app.authenticate }, async (request) => ({ userId: request.user.id }));
  app.get('/public', async () => ({ ok: true }));
  return app;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Serves a JWKS over HTTP and counts the fetches. */
async function jwksServer(jwks: unknown) {
  let fetches = 0;
  const server = createServer((_request, response) => {
    fetches += 1;
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`), fetches: () => fetches };
}

describe('app.authenticate', () => {
  it('accepts a valid token and gives the route request.user.id', async () => {
    const issuer = await createTestIssuer();
    const app = await buildApp(issuer);
    const response = await app.inject({ url: '/private', headers: bearer(await issuer.sign(USER_ID)) });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ userId: USER_ID });
  });

  it('leaves routes that do not ask for a user alone', async () => {
    const app = await buildApp(await createTestIssuer());
    expect((await app.inject({ url: '/public' })).statusCode).toBe(200);
  });

  it('answers a missing or malformed Authorization header with 401 and WWW-Authenticate', async () => {
    const app = await buildApp(await createTestIssuer());
    for (const headers of [{}, { authorization: 'Basic dXNlcjpwYXNz' }, { authorization: 'Bearer' }]) {
      const response = await app.inject({ url: '/private', headers });
      expect(response.statusCode).toBe(401);
      expect(response.headers['www-authenticate']).toContain('Bearer');
      expect(response.json()).toEqual({ statusCode: 401, code: 'AUTH_MISSING_TOKEN', error: 'Unauthorized', message: 'A Bearer token is required' });
    }
  });

  it('rejects every forged, foreign or stale token with 401', async () => {
    const issuer = await createTestIssuer();
    const app = await buildApp(issuer);
    const valid = await issuer.sign(USER_ID);
    const [header, payload, signature] = valid.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const stranger = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const now = Math.floor(Date.now() / 1000);

    const cases: Record<string, string> = {
      'alg none': `${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`,
      'HS256 with the public key as secret': await new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256' })
        .sign(new TextEncoder().encode(JSON.stringify(await exportJWK(stranger.publicKey)))),
      'wrong issuer': await (await createTestIssuer('https://evil.example')).sign(USER_ID),
      'wrong audience': await issuer.sign(USER_ID, { claims: { aud: 'someone-else' } }),
      expired: await issuer.sign(USER_ID, { expiresIn: now - 60 }),
      'tampered payload': `${header}.${b64({ ...claims, sub: 'another-user' })}.${signature}`,
      'signed by another key': await new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA', kid: JSON.parse(Buffer.from(header, 'base64url').toString()).kid }).sign(stranger.privateKey),
      'unknown kid': await new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA', kid: 'nobody' }).sign(stranger.privateKey),
      'not yet valid (nbf)': await issuer.sign(USER_ID, { claims: { nbf: now + 3600 } }),
    };
    for (const [name, token] of Object.entries(cases)) {
      const response = await app.inject({ url: '/private', headers: bearer(token) });
      expect(response.statusCode, name).toBe(401);
      expect(response.json().code, name).toBe('AUTH_INVALID_TOKEN');
    }
  });

  it('rejects a token without exp', async () => {
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'EdDSA' };
    const server = await jwksServer({ keys: [jwk] });
    const issuer = await createTestIssuer();
    const app = await buildApp(issuer, server.url);
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'EdDSA', kid: 'k1' })
      .setSubject(USER_ID)
      .setIssuer(issuer.issuer)
      .setAudience(issuer.audience)
      .setIssuedAt()
      .sign(privateKey);
    expect((await app.inject({ url: '/private', headers: bearer(token) })).statusCode).toBe(401);
  });

  it("fetches the user service's JWKS once and verifies from the cache afterwards", async () => {
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const server = await jwksServer({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'EdDSA', use: 'sig' }] });
    const issuer = await createTestIssuer();
    const app = await buildApp(issuer, server.url);
    const sign = () =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'EdDSA', kid: 'k1' })
        .setSubject(USER_ID)
        .setIssuer(issuer.issuer)
        .setAudience(issuer.audience)
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(privateKey);
    for (let i = 0; i < 5; i += 1) {
      expect((await app.inject({ url: '/private', headers: bearer(await sign()) })).statusCode).toBe(200);
    }
    expect(server.fetches()).toBe(1);
  });

  it('answers 503, not 401, when the key set cannot be fetched', async () => {
    const issuer = await createTestIssuer();
    const app = await buildApp(issuer, new URL('http://127.0.0.1:1/jwks.json'));
    const response = await app.inject({ url: '/private', headers: bearer(await issuer.sign(USER_ID)) });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ code: 'AUTH_KEYS_UNAVAILABLE' });
    expect(response.headers['retry-after']).toBe('1');
  });
});
