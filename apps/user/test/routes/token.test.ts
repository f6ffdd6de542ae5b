import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { developmentClientSecret } from '@myshop/auth';
import { forgedTokens } from '@myshop/auth/testing';
import { httpClient } from '@myshop/testing';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { buildUser, CART_SECRET, login, register } from '../helpers.ts';

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';
const basic = (id: string, secret: string) => ({ authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` });

async function setUp() {
  const built = await buildUser();
  const user = await register(built.app);
  const userToken = await login(built.app);
  const api = await httpClient(built.app);
  const jwks = createLocalJWKSet((await api.get('/user/.well-known/jwks.json')).body);
  const exchangeFields = {
    grant_type: TOKEN_EXCHANGE,
    audience: 'payment',
    scope: 'payment:charge',
    subject_token: userToken,
    subject_token_type: ACCESS_TOKEN,
  };
  const exchange = (payload: Record<string, unknown>, headers: Record<string, string> = basic('cart', CART_SECRET)) =>
    api
      .post('/user/oauth/token')
      .set(headers)
      .send({ ...exchangeFields, ...payload });
  /** The same exchange as a form (OAuth's own encoding), the cart's credentials in it. */
  const exchangeAsForm = (headers: Record<string, string> = {}) =>
    api
      .post('/user/oauth/token')
      .set({ ...headers, 'content-type': 'application/x-www-form-urlencoded' })
      .send(new URLSearchParams({ ...exchangeFields, client_id: 'cart', client_secret: CART_SECRET }).toString());
  return { ...built, api, user, userToken, jwks, exchange, exchangeAsForm };
}

describe('POST /user/oauth/token', () => {
  it('exchanges a shopper token for a payment token acting for that user, typed at+jwt, expiring no later', async () => {
    const { api, user, userToken, jwks, exchange } = await setUp();
    const response = await exchange({});
    expect(response.status, response.text).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers.pragma).toBe('no-cache');
    const grant = response.body;
    expect(grant).toEqual({
      access_token: expect.any(String),
      issued_token_type: ACCESS_TOKEN,
      token_type: 'Bearer',
      expires_in: expect.any(Number),
      scope: 'payment:charge',
    });
    const { payload, protectedHeader } = await jwtVerify(grant.access_token, jwks, {
      issuer: 'https://myshop.com/user',
      audience: 'payment',
      typ: 'at+jwt',
    });
    expect(protectedHeader.typ).toBe('at+jwt');
    expect(payload).toMatchObject({ sub: user.id, aud: 'payment', client_id: 'cart', act: { sub: 'cart' }, scope: 'payment:charge' });
    expect(payload.exp).toBeLessThanOrEqual(decodeJwt(userToken).exp!);
    expect(grant.expires_in).toBeLessThanOrEqual(300);
    // …and it is no shopper token: the user service itself refuses it.
    const me = await api.get('/user/me').set('authorization', `Bearer ${grant.access_token}`);
    expect(me.status).toBe(401);
  });

  it('takes requested_token_type (RFC 8693) naming the access token type it issues, and refuses any other type with 400', async () => {
    const { exchange } = await setUp();
    const asked = await exchange({ requested_token_type: ACCESS_TOKEN });
    expect(asked.status, asked.text).toBe(200);
    expect(asked.body.issued_token_type).toBe(ACCESS_TOKEN);
    const other = await exchange({ requested_token_type: 'urn:ietf:params:oauth:token-type:refresh_token' });
    expect(other.status).toBe(400);
    expect(other.body.code).toBe('FST_ERR_VALIDATION');
  });

  it('never lets the payment token outlive the shopper token, even where service tokens live longer', async () => {
    const built = await buildUser({ ACCESS_TOKEN_TTL_SECONDS: '60', SERVICE_TOKEN_TTL_SECONDS: '3600' });
    await register(built.app);
    const userToken = await login(built.app);
    const api = await httpClient(built.app);

    const response = await api.post('/user/oauth/token').set(basic('cart', CART_SECRET)).send({
      grant_type: TOKEN_EXCHANGE,
      audience: 'payment',
      scope: 'payment:charge',
      subject_token: userToken,
      subject_token_type: ACCESS_TOKEN,
    });

    expect(response.status, response.text).toBe(200);
    expect(decodeJwt(response.body.access_token).exp).toBeLessThanOrEqual(decodeJwt(userToken).exp!);
    expect(response.body.expires_in).toBeLessThanOrEqual(60);
  });

  it('takes the client credentials from the form body too (client_secret_post), as a form', async () => {
    const { exchangeAsForm } = await setUp();
    const response = await exchangeAsForm();
    expect(response.status, response.text).toBe(200);
  });

  it('validates a form body as it validates JSON: a missing, repeated or malformed field is 400', async () => {
    const { api } = await setUp();
    const valid = {
      grant_type: 'client_credentials',
      client_id: 'cart',
      client_secret: CART_SECRET,
      audience: 'payment',
      scope: 'payment:refunds:read',
    };
    const asForm = (form: string) => api.post('/user/oauth/token').set('content-type', 'application/x-www-form-urlencoded').send(form);
    expect((await asForm(new URLSearchParams(valid).toString())).status).toBe(200);
    const { scope: _scope, ...withoutScope } = valid;
    const cases: Array<[string, string]> = [
      [new URLSearchParams(withoutScope).toString(), 'body/scope is required'],
      [`${new URLSearchParams(valid).toString()}&audience=payment`, 'body/audience must be string'],
      [new URLSearchParams({ ...valid, grant_type: 'password' }).toString(), 'body/grant_type'],
    ];
    for (const [form, message] of cases) {
      const response = await asForm(form);
      expect(response.status, form).toBe(400);
      expect(response.body, form).toMatchObject({ statusCode: 400, code: 'FST_ERR_VALIDATION', error: 'Bad Request' });
      expect(response.body.message, form).toContain(message);
    }
  });

  it('ignores a form parameter it does not know, and takes one sent empty as omitted (RFC 6749 §3.2)', async () => {
    const { api } = await setUp();
    const form = (fields: string) =>
      api.post('/user/oauth/token').set(basic('cart', CART_SECRET)).set('content-type', 'application/x-www-form-urlencoded').send(fields);
    const request = 'grant_type=client_credentials&audience=payment&scope=payment%3Arefunds%3Aread';
    const unknown = await form(`${request}&resource=https%3A%2F%2Fmyshop.com%2Fpayment&actor_token=x`);
    expect(unknown.status, unknown.text).toBe(200);
    // An empty client_id and client_secret are no credentials in the body beside Basic.
    const empty = await form(`${request}&client_id=&client_secret=`);
    expect(empty.status, empty.text).toBe(200);
    const repeatedUnknown = await form(`${request}&resource=a&resource=b`);
    expect(repeatedUnknown.status, repeatedUnknown.text).toBe(200);
    const emptyScope = await form('grant_type=client_credentials&audience=payment&scope=');
    expect(emptyScope.status).toBe(400);
    expect(emptyScope.body.message).toContain('body/scope is required');
  });

  it('refuses a body of a media type it does not parse (XML, plain text) with 415, and no body with 400', async () => {
    const { api } = await setUp();
    const post = (contentType: string, payload: string) =>
      api.post('/user/oauth/token').set(basic('cart', CART_SECRET)).set('content-type', contentType).send(payload);
    const xml = await post('application/xml', '<grant_type>client_credentials</grant_type>');
    expect(xml.status).toBe(415);
    expect(xml.body.code).toBe('FST_ERR_CTP_INVALID_MEDIA_TYPE');
    // Text is no more taken than XML: the form, sent as text, is not read.
    const text = await post('text/plain', 'grant_type=client_credentials&audience=payment&scope=payment:refunds:read');
    expect(text.status).toBe(415);
    expect(text.body.code).toBe('FST_ERR_CTP_INVALID_MEDIA_TYPE');
    const none = await api.post('/user/oauth/token').set(basic('cart', CART_SECRET));
    expect(none.status).toBe(400);
    expect(none.body.code).toBe('FST_ERR_VALIDATION');
  });

  it('refuses a compressed form with 415, as the platform refuses a compressed JSON body: its bytes are never read as a form', async () => {
    const { app } = await setUp();
    const form = 'grant_type=client_credentials&audience=payment&scope=payment:refunds:read';
    for (const [encoding, payload] of [
      ['gzip', gzipSync(form)],
      // Declared compressed, sent plain: not taken as it came either.
      ['gzip', Buffer.from(form)],
      ['br', Buffer.from(form)],
    ] as const) {
      const response = await app.inject({
        method: 'POST',
        url: '/user/oauth/token',
        headers: { ...basic('cart', CART_SECRET), 'content-type': 'application/x-www-form-urlencoded', 'content-encoding': encoding },
        payload,
      });
      expect(response.statusCode, `${encoding}: ${response.body}`).toBe(415);
      expect(response.json()).toMatchObject({ statusCode: 415, code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE' });
    }
    const identity = await app.inject({
      method: 'POST',
      url: '/user/oauth/token',
      headers: { ...basic('cart', CART_SECRET), 'content-type': 'application/x-www-form-urlencoded', 'content-encoding': 'identity' },
      payload: form,
    });
    expect(identity.statusCode, identity.body).toBe(200);
  });

  it('gives cart a token for itself (client credentials) only for what it may do as itself', async () => {
    const { api, jwks } = await setUp();
    const asItself = (scope: string) =>
      api.post('/user/oauth/token').set(basic('cart', CART_SECRET)).send({ grant_type: 'client_credentials', audience: 'payment', scope });
    const response = await asItself('payment:refunds:read');
    expect(response.status, response.text).toBe(200);
    const { payload } = await jwtVerify(response.body.access_token, jwks, { audience: 'payment' });
    expect(payload).toMatchObject({ sub: 'cart', client_id: 'cart', scope: 'payment:refunds:read' });
    expect(payload.act).toBeUndefined();
    // Charging needs a user to act for.
    const charge = await asItself('payment:charge');
    expect(charge.status).toBe(400);
    expect(charge.body).toMatchObject({
      code: 'USER_INVALID_SCOPE',
      message: 'The scope payment:charge is not allowed for this client and grant',
    });
  });

  it.each([
    ['an unknown client', basic('payment', CART_SECRET)],
    ['a wrong secret', basic('cart', `${CART_SECRET}x`)],
    ['the secret short of its last character', basic('cart', CART_SECRET.slice(0, -1))],
    ['no credentials', {}],
    ['garbage Basic credentials', { authorization: 'Basic %%%' }],
    ['Basic credentials without a colon', { authorization: `Basic ${Buffer.from('cart').toString('base64')}` }],
    ['Basic credentials with broken percent-encoding', { authorization: `Basic ${Buffer.from('cart:%zz').toString('base64')}` }],
  ])('refuses %s with 401 USER_INVALID_CLIENT and a Basic challenge, issuing nothing', async (_name, headers) => {
    const { exchange } = await setUp();
    const response = await exchange({}, headers as Record<string, string>);
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Basic realm="myshop"');
    expect(response.body).toEqual({
      statusCode: 401,
      code: 'USER_INVALID_CLIENT',
      error: 'Unauthorized',
      message: 'Client authentication failed',
    });
  });

  it.each([
    ['not base64', 'Basic !!!'],
    ['base64 without a colon', `Basic ${Buffer.from('cart').toString('base64')}`],
    ['broken percent-encoding', `Basic ${Buffer.from('cart:%zz').toString('base64')}`],
    ['no credentials at all', 'Basic'],
    ['a lower-case scheme and a tab', `basic\t${Buffer.from(`cart:${CART_SECRET}`).toString('base64')}`],
  ])(
    'refuses malformed Basic credentials (%s) with 401 USER_INVALID_CLIENT even beside good ones in the body',
    async (_name, authorization) => {
      const { exchange, exchangeAsForm } = await setUp();
      const json = await exchange({ client_id: 'cart', client_secret: CART_SECRET }, { authorization });
      const form = await exchangeAsForm({ authorization });
      for (const response of [json, form]) {
        expect(response.status).toBe(401);
        expect(response.headers['www-authenticate']).toBe('Basic realm="myshop"');
        expect(response.body).toEqual({
          statusCode: 401,
          code: 'USER_INVALID_CLIENT',
          error: 'Unauthorized',
          message: 'Client authentication failed',
        });
      }
    },
  );

  it('refuses two Basic headers with 401 USER_INVALID_CLIENT, the good one first or last', async () => {
    // Node would keep the first and drop the second unseen: two credentials authenticate nobody.
    const { exchange } = await setUp();
    const good = basic('cart', CART_SECRET).authorization;
    const wrong = basic('cart', `${CART_SECRET}x`).authorization;
    for (const authorization of [
      [good, wrong],
      [wrong, good],
      [good, good],
    ]) {
      const response = await exchange({}, { authorization } as unknown as Record<string, string>);
      expect(response.status).toBe(401);
      expect(response.headers['www-authenticate']).toBe('Basic realm="myshop"');
      expect(response.body.code).toBe('USER_INVALID_CLIENT');
    }
  });

  it('names in its warning only a client of ours, never what a caller wrote as a client id', async () => {
    const { exchange, logs } = await setUp();
    // The secret pasted where the id goes, and an id as long as a header may be.
    await exchange({}, basic(CART_SECRET, 'cart'));
    await exchange({}, basic(`x${'y'.repeat(8000)}`, 'whatever'));
    await exchange({}, basic('cart', 'not the secret'));

    const warnings = logs.lines().filter((line) => line.msg === 'token request with bad client credentials');
    expect(warnings.map((line) => line.clientId)).toEqual([undefined, undefined, 'cart']);
    expect(logs.text()).not.toContain(CART_SECRET);
    expect(logs.text()).not.toContain('yyyyyyyy');
  });

  it('leaves other schemes to the body credentials: a Bearer header is no attempt at Basic, nor one whose scheme only begins with Basic', async () => {
    const { exchange, userToken } = await setUp();
    for (const authorization of [`Bearer ${userToken}`, `Basically ${Buffer.from('cart:x').toString('base64')}`]) {
      const response = await exchange({ client_id: 'cart', client_secret: CART_SECRET }, { authorization });
      expect(response.status, response.text).toBe(200);
    }
  });

  it('reads Basic credentials as RFC 6749 §2.3.1 writes them (form-encoded, + for a blank) and splits them at the first colon', async () => {
    const secret = 'the cart secret: thirty-two characters, or more';
    const { app } = await buildUser({ CART_CLIENT_SECRET: secret });
    const api = await httpClient(app);
    const request = (credentials: string) =>
      api
        .post('/user/oauth/token')
        .set({ authorization: `Basic ${Buffer.from(credentials).toString('base64')}` })
        .send({ grant_type: 'client_credentials', audience: 'payment', scope: 'payment:refunds:read' });
    const encoded = await request(`cart:${encodeURIComponent(secret).replaceAll('%20', '+')}`);
    expect(encoded.status, encoded.text).toBe(200);
    // As many clients send it, not encoded: the colon in the secret is the secret's.
    const raw = await request(`cart:${secret}`);
    expect(raw.status, raw.text).toBe(200);
  });

  it('refuses two ways of authenticating at once', async () => {
    const { exchange } = await setUp();
    const response = await exchange({ client_id: 'cart', client_secret: CART_SECRET });
    expect(response.status).toBe(401);
  });

  it('takes a client_id alone beside Basic when it names the same client, and refuses one naming another', async () => {
    const { exchange } = await setUp();
    const same = await exchange({ client_id: 'cart' });
    expect(same.status, same.text).toBe(200);
    const other = await exchange({ client_id: 'payment' });
    expect(other.status).toBe(401);
    expect(other.body.code).toBe('USER_INVALID_CLIENT');
  });

  it('refuses an audience or a scope the client may not have', async () => {
    const { exchange } = await setUp();
    const audience = await exchange({ audience: 'user' });
    expect(audience.status).toBe(400);
    expect(audience.body.code).toBe('USER_INVALID_TARGET');
    // Reading refunds is cart's own business, never done on a shopper's behalf.
    const onBehalf = await exchange({ scope: 'payment:refunds:read' });
    expect(onBehalf.status).toBe(400);
    expect(onBehalf.body.code).toBe('USER_INVALID_SCOPE');
    const scope = await exchange({ scope: 'payment:charge payment:refund' });
    expect(scope.status).toBe(400);
    expect(scope.body).toMatchObject({
      code: 'USER_INVALID_SCOPE',
      message: 'The scope payment:refund is not allowed for this client and grant',
    });
  });

  it('refuses to exchange anything but a live shopper access token (400 USER_INVALID_GRANT)', async () => {
    const { exchange, userToken } = await setUp();
    const serviceToken = (await exchange({})).body.access_token as string;
    const [header, payload] = serviceToken.split('.');
    // jose decodes base64url past white space: the shopper's own token, spelled otherwise.
    const [userHeader, userPayload, userSignature] = userToken.split('.') as [string, string, string];
    const subjects = {
      'no subject token': { subject_token: undefined },
      'no subject token type': { subject_token_type: undefined },
      garbage: { subject_token: 'not.a.token' },
      'a service token (no re-delegation)': { subject_token: serviceToken },
      'an unsigned token': { subject_token: `${header}.${payload}.` },
      'the shopper token with a blank in its signature': {
        subject_token: `${userHeader}.${userPayload}.${userSignature.slice(0, 8)} ${userSignature.slice(8)}`,
      },
      'the shopper token with a line break in its payload': {
        subject_token: `${userHeader}.${userPayload.slice(0, 8)}\n${userPayload.slice(8)}.${userSignature}`,
      },
    };
    for (const [name, change] of Object.entries(subjects)) {
      const response = await exchange(change);
      expect(response.status, name).toBe(400);
      expect(response.body.code, name).toBe('USER_INVALID_GRANT');
    }
  });

  it('refuses to exchange a shopper token past its exp, within the clock tolerance too: it never issues a token already expired', async () => {
    const { userToken, exchange } = await setUp();
    vi.useFakeTimers({ toFake: ['Date'] });
    onTestFinished(() => {
      vi.useRealTimers();
    });
    vi.setSystemTime((decodeJwt(userToken).exp! + 2) * 1000);
    const response = await exchange({});
    expect(response.status, response.text).toBe(400);
    expect(response.body.code).toBe('USER_INVALID_GRANT');
  });

  it('refuses to exchange every forged shopper token, even one signed with its real key and kid (400 USER_INVALID_GRANT)', async () => {
    const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const { app, config } = await buildUser({ JWT_PRIVATE_KEY: pem });
    const user = await register(app);
    const api = await httpClient(app);
    const privateKey = createPrivateKey(pem);
    const kid = (await api.get('/user/.well-known/jwks.json')).body.keys[0].kid as string;
    const signer = {
      privateKey,
      publicKey: createPublicKey(privateKey),
      alg: 'EdDSA' as const,
      kid,
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
    };
    for (const { name, token } of await forgedTokens(signer, user.id)) {
      const response = await api.post('/user/oauth/token').set(basic('cart', CART_SECRET)).send({
        grant_type: TOKEN_EXCHANGE,
        audience: 'payment',
        scope: 'payment:charge',
        subject_token: token,
        subject_token_type: ACCESS_TOKEN,
      });
      expect(response.status, name).toBe(400);
      expect(response.body.code, name).toBe('USER_INVALID_GRANT');
    }
  });

  it('refuses an unknown grant type or a field it does not know with 400', async () => {
    const { exchange } = await setUp();
    expect((await exchange({ grant_type: 'password' })).status).toBe(400);
    const unknown = await exchange({ actor_token: 'x' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.message).toContain('actor_token is not allowed');
  });

  it('signs service tokens with the same current key as shopper tokens', async () => {
    const { exchange, userToken } = await setUp();
    const token = (await exchange({})).body.access_token as string;
    expect(decodeProtectedHeader(token).kid).toBe(decodeProtectedHeader(userToken).kid);
  });

  it('outside production, shares a secret made up under DATA_DIR with the cart service', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'myshop-user-clients-'));
    const { app } = await buildUser({ CART_CLIENT_SECRET: '', DATA_DIR: dataDir });
    // What the cart service reads when it starts with the same DATA_DIR.
    const secret = developmentClientSecret(dataDir, 'cart');
    const api = await httpClient(app);
    const response = await api
      .post('/user/oauth/token')
      .set(basic('cart', secret))
      .send({ grant_type: 'client_credentials', audience: 'payment', scope: 'payment:refunds:read' });
    expect(response.status, response.text).toBe(200);
  });
});
