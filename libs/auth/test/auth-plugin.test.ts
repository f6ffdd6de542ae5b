import { KeyObject, type webcrypto } from 'node:crypto';
import { request, type IncomingHttpHeaders } from 'node:http';
import { errorHandlerPlugin } from '@myshop/errors';
import { freePort } from '@myshop/testing';
import { createTestIssuer, forgedTokens, serveJwks, type TestIssuer } from '../src/testing/index.ts';
import Fastify from 'fastify';
import { exportJWK, generateKeyPair, SignJWT, type JWTVerifyGetKey } from 'jose';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { authPlugin } from '../src/index.ts';

const USER_ID = '6f1c1f04-4a57-4a39-9a9e-2b1f0e3b7a11';

async function buildApp(issuer: TestIssuer, keys: URL | JWTVerifyGetKey = issuer.keys, serviceAudience?: string) {
  const app = Fastify({ logger: false });
  onTestFinished(() => app.close());
  await app.register(errorHandlerPlugin);
  await app.register(authPlugin, {
    issuer: issuer.issuer,
    audience: issuer.audience,
    keys,
    ...(serviceAudience ? { serviceAudience } : {}),
  });
  app.get('/private', { onRequest: app.authenticate }, async (request) => ({ userId: request.user.id }));
  app.get('/public', async () => ({ ok: true }));
  if (serviceAudience) {
    app.get('/operators', { onRequest: app.authorize({ role: 'operator' }) }, async (request) => ({
      userId: request.user.id,
      roles: request.user.roles,
    }));
    app.get('/service', { onRequest: app.authorize({ serviceScope: 'payment:charge' }) }, async (request) => ({
      userId: request.user.id,
      actor: request.user.actor,
      scopes: request.user.scopes,
    }));
  }
  return app;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Serves `keys` as the user service does (503 while it gives undefined), until the test ends. */
async function jwksServer(keys: () => unknown) {
  const served = await serveJwks(keys);
  onTestFinished(() => served.close());
  return served;
}

/** A GET over a real socket, sending every value of an array header as a header line of its own. */
function rawGet(url: string, headers: Record<string, string | string[]>) {
  return new Promise<{ statusCode: number; headers: IncomingHttpHeaders; body: string }>((resolve, reject) => {
    request(url, { headers }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ statusCode: response.statusCode!, headers: response.headers, body }));
    })
      .on('error', reject)
      .end();
  });
}

describe('app.authenticate', () => {
  it('accepts a valid token and gives the route request.user.id', async () => {
    const issuer = await createTestIssuer();
    const app = await buildApp(issuer);
    const response = await app.inject({ url: '/private', headers: bearer(await issuer.sign(USER_ID)) });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ userId: USER_ID });
  });

  it('takes the scheme in any case and blanks around the token (RFC 6750: the scheme is case-insensitive)', async () => {
    const issuer = await createTestIssuer();
    const app = await buildApp(issuer);
    const token = await issuer.sign(USER_ID);
    for (const authorization of [`bearer ${token}`, `BEARER ${token}`, `Bearer   ${token}  `]) {
      const response = await app.inject({ url: '/private', headers: { authorization } });
      expect(response.statusCode, authorization.slice(0, 10)).toBe(200);
    }
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
      expect(response.json()).toEqual({
        statusCode: 401,
        code: 'AUTH_MISSING_TOKEN',
        error: 'Unauthorized',
        message: 'A Bearer token is required',
      });
    }
  });

  it('answers a Bearer header holding something no token looks like as an invalid token, not a missing one', async () => {
    const issuer = await createTestIssuer();
    const app = await buildApp(issuer);
    const valid = await issuer.sign(USER_ID);
    // A valid token with more after it too, and one with a blank inside its signature, which jose
    // would decode as if it were not there: either way the header as a whole is no token.
    for (const authorization of [
      'Bearer a b',
      'bearer eyJ.a.b trailing',
      `Bearer ${valid} trailing`,
      `Bearer ${valid.slice(0, -4)} ${valid.slice(-4)}`,
    ]) {
      const response = await app.inject({ url: '/private', headers: { authorization } });
      expect(response.statusCode).toBe(401);
      expect(response.headers['www-authenticate']).toContain('error="invalid_token"');
      expect(response.json().code).toBe('AUTH_INVALID_TOKEN');
    }
  });

  it('refuses two Authorization headers with 400 invalid_request, whichever of them is valid', async () => {
    // Which one counts would be up to each hop (a proxy may check the last, Node keeps the first):
    // a request carrying two credentials is malformed (RFC 6750 §3.1), not one caller's.
    const issuer = await createTestIssuer();
    const app = await buildApp(issuer);
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    const mine = `Bearer ${await issuer.sign(USER_ID)}`;
    const theirs = `Bearer ${await issuer.sign('0b9f3c55-62a4-4d2c-9a43-5f4b1d2f8e01')}`;
    for (const authorization of [
      [mine, theirs],
      [mine, mine],
      ['Bearer forged', mine],
    ]) {
      const response = await rawGet(`${url}/private`, { authorization });
      expect(response.statusCode).toBe(400);
      expect(response.headers['www-authenticate']).toContain('error="invalid_request"');
      expect(JSON.parse(response.body)).toEqual({
        statusCode: 400,
        code: 'AUTH_INVALID_REQUEST',
        error: 'Bad Request',
        message: 'Send one Authorization header',
      });
    }
    expect((await rawGet(`${url}/private`, { authorization: mine })).statusCode).toBe(200);
  });

  it('counts Authorization lines whatever the case of their name, and only names', async () => {
    const issuer = await createTestIssuer();
    const app = await buildApp(issuer);
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    const mine = `Bearer ${await issuer.sign(USER_ID)}`;
    // As browsers and curl write it: Node keeps the name's case in rawHeaders.
    for (const name of ['Authorization', 'AUTHORIZATION']) {
      expect((await rawGet(`${url}/private`, { [name]: [mine, 'Bearer forged'] })).statusCode, name).toBe(400);
    }
    // A header whose value is the word: a CORS preflight's list of the headers to come.
    const listed = await rawGet(`${url}/private`, { authorization: mine, 'access-control-request-headers': 'authorization' });
    expect(listed.statusCode).toBe(200);
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
      'signed by another key': await new SignJWT(claims)
        .setProtectedHeader({ alg: 'EdDSA', kid: JSON.parse(Buffer.from(header, 'base64url').toString()).kid, typ: 'at+jwt' })
        .sign(stranger.privateKey),
      'unknown kid': await new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA', kid: 'nobody', typ: 'at+jwt' }).sign(stranger.privateKey),
      'typ JWT (an ID token or any other JWT of the issuer)': await new SignJWT(claims)
        .setProtectedHeader({ alg: 'EdDSA', kid: issuer.signer.kid, typ: 'JWT' })
        .sign(issuer.signer.privateKey),
      'a service token, at a service that takes none': await issuer.signService(USER_ID, { scope: 'payment:charge' }),
      'not yet valid (nbf)': await issuer.sign(USER_ID, { claims: { nbf: now + 3600 } }),
    };
    for (const [name, token] of Object.entries(cases)) {
      const response = await app.inject({ url: '/private', headers: bearer(token) });
      expect(response.statusCode, name).toBe(401);
      expect(response.json().code, name).toBe('AUTH_INVALID_TOKEN');
    }
  });

  it.each(['CryptoKey', 'KeyObject'])(
    'rejects every forgery of the shared list (signer keys as %s) with 401 and a Bearer challenge',
    async (keyType) => {
      const issuer = await createTestIssuer();
      const app = await buildApp(issuer, issuer.keys, 'payment');
      const { privateKey, publicKey } = issuer.signer;
      const signer =
        keyType === 'KeyObject'
          ? {
              ...issuer.signer,
              privateKey: KeyObject.from(privateKey as webcrypto.CryptoKey),
              publicKey: KeyObject.from(publicKey as webcrypto.CryptoKey),
            }
          : issuer.signer;
      const forgeries = await forgedTokens(signer, USER_ID);
      expect(forgeries.length).toBeGreaterThan(10);
      for (const { name, token } of forgeries) {
        const response = await app.inject({ url: '/private', headers: bearer(token) });
        expect(response.statusCode, name).toBe(401);
        expect(response.headers['www-authenticate'], name).toContain('Bearer');
      }
    },
  );

  it('rejects an HS256 token even when the key resolver hands out a shared secret: only asymmetric algorithms', async () => {
    const issuer = await createTestIssuer();
    const secret = new TextEncoder().encode('a shared secret any service could sign with');
    const app = await buildApp(issuer, async () => secret);
    // Named by a kid, as our tokens are: without one it would be refused before its algorithm is read.
    const token = await new SignJWT({ jti: 'j1' })
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: 'shared' })
      .setSubject(USER_ID)
      .setIssuer(issuer.issuer)
      .setAudience(issuer.audience)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(secret);
    const response = await app.inject({ url: '/private', headers: bearer(token) });
    expect(response.statusCode).toBe(401);
    expect(response.json().code).toBe('AUTH_INVALID_TOKEN');
  });

  it('rejects a token without exp', async () => {
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'EdDSA' };
    const server = await jwksServer(() => ({ keys: [jwk] }));
    const issuer = await createTestIssuer();
    const app = await buildApp(issuer, server.url);
    const token = await new SignJWT({ jti: 'j1' })
      .setProtectedHeader({ alg: 'EdDSA', kid: 'k1', typ: 'at+jwt' })
      .setSubject(USER_ID)
      .setIssuer(issuer.issuer)
      .setAudience(issuer.audience)
      .setIssuedAt()
      .sign(privateKey);
    expect((await app.inject({ url: '/private', headers: bearer(token) })).statusCode).toBe(401);
  });

  it("fetches the user service's JWKS once and verifies from the cache afterwards", async () => {
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'EdDSA', use: 'sig' };
    const server = await jwksServer(() => ({ keys: [jwk] }));
    const issuer = await createTestIssuer();
    const app = await buildApp(issuer, server.url);
    const sign = () =>
      new SignJWT({ jti: crypto.randomUUID() })
        .setProtectedHeader({ alg: 'EdDSA', kid: 'k1', typ: 'at+jwt' })
        .setSubject(USER_ID)
        .setIssuer(issuer.issuer)
        .setAudience(issuer.audience)
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(privateKey);
    for (let i = 0; i < 5; i += 1) {
      expect((await app.inject({ url: '/private', headers: bearer(await sign()) })).statusCode).toBe(200);
    }
    expect(server.requests()).toBe(1);
  });

  it('keeps verifying with the last keys while the user service is down, however long', async () => {
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const keys = [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'EdDSA', use: 'sig' }];
    let up = true;
    const server = await jwksServer(() => (up ? { keys } : undefined));
    const warnings: string[] = [];
    const issuer = await createTestIssuer();
    const app = Fastify({ logger: { level: 'warn', stream: { write: (line: string) => warnings.push(JSON.parse(line).msg) } } });
    onTestFinished(() => app.close());
    await app.register(errorHandlerPlugin);
    await app.register(authPlugin, { issuer: issuer.issuer, audience: issuer.audience, keys: server.url });
    app.get('/private', { onRequest: app.authenticate }, async (request) => ({ userId: request.user.id }));
    await app.ready();
    up = false;
    const later = Date.now() + 3_600_000;
    vi.useFakeTimers({ toFake: ['Date'], now: later });
    onTestFinished(() => {
      vi.useRealTimers();
    });
    const token = await new SignJWT({ jti: crypto.randomUUID() })
      .setProtectedHeader({ alg: 'EdDSA', kid: 'k1', typ: 'at+jwt' })
      .setSubject(USER_ID)
      .setIssuer(issuer.issuer)
      .setAudience(issuer.audience)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(privateKey);
    const response = await app.inject({ url: '/private', headers: bearer(token) });
    expect(response.statusCode).toBe(200);
    await vi.waitFor(() => expect(warnings).toContain('token keys refresh failed; keeping the last keys'));
  });

  it('starts while the key set is unreachable, saying so in one line without a stack, and fetches on first use', async () => {
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const keys = [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'EdDSA', use: 'sig' }];
    let up = false;
    const { href: url } = (await jwksServer(() => (up ? { keys } : undefined))).url;
    const lines: Array<Record<string, unknown>> = [];
    const issuer = await createTestIssuer();
    const app = Fastify({ logger: { level: 'warn', stream: { write: (line: string) => lines.push(JSON.parse(line)) } } });
    onTestFinished(() => app.close());
    await app.register(errorHandlerPlugin);
    await app.register(authPlugin, { issuer: issuer.issuer, audience: issuer.audience, keys: new URL(url) });
    app.get('/private', { onRequest: app.authenticate }, async (request) => ({ userId: request.user.id }));
    await app.ready();

    expect(lines).toEqual([
      expect.objectContaining({
        msg: `token keys not fetched at start (GET ${url} answered 503); fetching again on first use`,
        jwksUrl: url,
      }),
    ]);
    expect(lines[0]).not.toHaveProperty('err');
    expect(JSON.stringify(lines[0])).not.toContain('\\n');

    up = true;
    const token = await new SignJWT({ jti: crypto.randomUUID() })
      .setProtectedHeader({ alg: 'EdDSA', kid: 'k1', typ: 'at+jwt' })
      .setSubject(USER_ID)
      .setIssuer(issuer.issuer)
      .setAudience(issuer.audience)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(privateKey);
    expect((await app.inject({ url: '/private', headers: bearer(token) })).statusCode).toBe(200);
  });

  it('names the cause of a failed start-up fetch (nothing listening)', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const issuer = await createTestIssuer();
    const app = Fastify({ logger: { level: 'warn', stream: { write: (line: string) => lines.push(JSON.parse(line)) } } });
    onTestFinished(() => app.close());
    // Nothing listens there.
    const url = `http://127.0.0.1:${await freePort()}/jwks.json`;
    await app.register(authPlugin, { issuer: issuer.issuer, audience: issuer.audience, keys: new URL(url) });
    await app.ready();
    expect(lines).toHaveLength(1);
    // The address once, in the failed GET.
    expect(lines[0]!.msg).toBe(`token keys not fetched at start (GET ${url}: ECONNREFUSED); fetching again on first use`);
    expect(lines[0]).not.toHaveProperty('err');
  });

  it('logs why a token was refused, never the token', async () => {
    const issuer = await createTestIssuer();
    const lines: Array<Record<string, unknown>> = [];
    const app = Fastify({ logger: { level: 'info', stream: { write: (line: string) => lines.push(JSON.parse(line)) } } });
    onTestFinished(() => app.close());
    await app.register(errorHandlerPlugin);
    await app.register(authPlugin, { issuer: issuer.issuer, audience: issuer.audience, keys: issuer.keys });
    app.get('/private', { onRequest: app.authenticate }, async (request) => ({ userId: request.user.id }));
    const expired = await issuer.sign(USER_ID, { expiresIn: Math.floor(Date.now() / 1000) - 60 });
    expect((await app.inject({ url: '/private', headers: bearer(expired) })).statusCode).toBe(401);
    expect(lines.find((line) => line.msg === 'rejected access token')).toMatchObject({ reason: 'ERR_JWT_EXPIRED' });
    // Not whole, nor its signature alone: an expired token's payload still names the user.
    expect(JSON.stringify(lines)).not.toContain(expired.split('.')[2]);
  });

  it('answers a failing key resolver with a 500 that names nothing (a bug, not a bad token)', async () => {
    const issuer = await createTestIssuer();
    const app = await buildApp(issuer, async () => {
      throw new TypeError('resolver bug');
    });
    const response = await app.inject({ url: '/private', headers: bearer(await issuer.sign(USER_ID)) });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toMatchObject({ code: 'INTERNAL_SERVER_ERROR' });
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

describe('app.authorize', () => {
  it('takes a service token with the scope on a service route, naming the user and the service acting for them', async () => {
    const issuer = await createTestIssuer();
    const app = await buildApp(issuer, issuer.keys, 'payment');
    const token = await issuer.signService(USER_ID, { scope: 'payment:charge' });
    const response = await app.inject({ url: '/service', headers: bearer(token) });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ userId: USER_ID, actor: 'cart', scopes: ['payment:charge'] });
  });

  it('refuses a shopper token on a service route with 403 insufficient_scope, even one claiming the scope', async () => {
    const issuer = await createTestIssuer();
    const app = await buildApp(issuer, issuer.keys, 'payment');
    const claimingTheScope = await issuer.sign(USER_ID, { claims: { scope: 'payment:charge' } });
    for (const token of [await issuer.sign(USER_ID), claimingTheScope]) {
      const response = await app.inject({ url: '/service', headers: bearer(token) });
      expect(response.statusCode).toBe(403);
      expect(response.json()).toMatchObject({
        code: 'AUTH_FORBIDDEN',
        error: 'Forbidden',
        message: 'This route is for services: a token for this service is required',
      });
      expect(response.headers['www-authenticate']).toContain('error="insufficient_scope"');
    }
  });

  it('refuses a service token without the scope, and one for another service', async () => {
    const issuer = await createTestIssuer();
    const app = await buildApp(issuer, issuer.keys, 'payment');
    const wrongScope = await issuer.signService(USER_ID, { scope: 'payment:refunds:read' });
    expect((await app.inject({ url: '/service', headers: bearer(wrongScope) })).statusCode).toBe(403);
    const otherService = await issuer.signService(USER_ID, { scope: 'payment:charge', audience: 'cart' });
    const response = await app.inject({ url: '/service', headers: bearer(otherService) });
    expect(response.statusCode).toBe(401);
    expect(response.json().code).toBe('AUTH_INVALID_TOKEN');
  });

  it('refuses a service token on a shopper route: a service is not a signed-in user', async () => {
    const issuer = await createTestIssuer();
    const app = await buildApp(issuer, issuer.keys, 'payment');
    const response = await app.inject({ url: '/private', headers: bearer(await issuer.signService(USER_ID, { scope: 'payment:charge' })) });
    expect(response.statusCode).toBe(403);
    expect(response.json().code).toBe('AUTH_FORBIDDEN');
  });

  it('lets an operator through a role route and refuses a shopper, even one claiming a scope', async () => {
    const issuer = await createTestIssuer();
    const app = await buildApp(issuer, issuer.keys, 'payment');
    const operator = await app.inject({ url: '/operators', headers: bearer(await issuer.signOperator(USER_ID)) });
    expect(operator.statusCode).toBe(200);
    expect(operator.json()).toEqual({ userId: USER_ID, roles: ['operator'] });
    const shopper = await issuer.sign(USER_ID, { claims: { scope: 'payment:charge operator', roles: ['shopper'] } });
    const response = await app.inject({ url: '/operators', headers: bearer(shopper) });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toMatchObject({ code: 'AUTH_FORBIDDEN', message: 'This route needs the operator role' });
  });

  it('will not build a service route on a service without an audience of its own', async () => {
    const issuer = await createTestIssuer();
    const app = await buildApp(issuer);
    expect(() => app.authorize({ serviceScope: 'payment:charge' })).toThrow(/serviceAudience/);
  });
});
