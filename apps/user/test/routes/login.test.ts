import { decodeJwt, decodeProtectedHeader } from 'jose';
import { httpClient, type HttpClient } from '@myshop/testing';
import { describe, expect, it } from 'vitest';
import { checkPassword } from '../../src/passwords.ts';
import { buildUser, hashAsTyped, PASSWORD, register } from '../helpers.ts';

const post = (api: HttpClient, payload: Record<string, unknown>) => api.post('/user/login').send(payload);

describe('POST /user/login', () => {
  it('exchanges email and password for a signed access token', async () => {
    const { app, config } = await buildUser();
    const user = await register(app);
    const api = await httpClient(app);
    const response = await post(api, { email: ' ADA@example.com ', password: PASSWORD });
    expect(response.status).toBe(200);
    const body = response.body;
    expect(body).toEqual({ accessToken: expect.any(String), tokenType: 'Bearer', expiresIn: config.ACCESS_TOKEN_TTL_SECONDS });

    const header = decodeProtectedHeader(body.accessToken);
    // An access token as RFC 9068 types it, for the shop's own client; a new account holds no role.
    expect(header).toMatchObject({ alg: 'EdDSA', typ: 'at+jwt', kid: expect.any(String) });
    const claims = decodeJwt(body.accessToken);
    expect(claims).toMatchObject({
      sub: user.id,
      iss: 'https://myshop.com/user',
      aud: 'myshop',
      client_id: 'myshop',
      jti: expect.any(String),
    });
    expect(claims.roles).toBeUndefined();
    expect(claims.scope).toBeUndefined();
    expect(claims.exp! - claims.iat!).toBe(config.ACCESS_TOKEN_TTL_SECONDS);
    // Each token its own id (RFC 9068 §2.2).
    const again = await post(api, { email: 'ada@example.com', password: PASSWORD });
    expect(decodeJwt(again.body.accessToken).jti).not.toBe(claims.jti);
  });

  it('logs in with any spelling of the address (İ, ß, full-width, invisible characters), only with the right password', async () => {
    const { app, database } = await buildUser();
    const user = await register(app, 'iris.strasse@example.com');
    const api = await httpClient(app);
    for (const email of [
      'İRIS.STRASSE@example.com',
      'iris.straße@example.com',
      'ｉｒｉｓ.strasse@example.com',
      '\u00a0iris.stra\u200bsse@example.com',
    ]) {
      const wrong = await post(api, { email, password: 'not the password' });
      expect(wrong.status, email).toBe(401);
      const right = await post(api, { email, password: PASSWORD });
      expect(right.status, email).toBe(200);
      expect(decodeJwt(right.body.accessToken).sub).toBe(user.id);
    }
    expect(await database.query('SELECT user_id, address FROM known_login_addresses')).toEqual([
      { user_id: user.id, address: '127.0.0.1' },
    ]);
  });

  it('takes a password however Unicode spells it also for a hash made before passwords were normalised, from its first login on', async () => {
    const { app, database } = await buildUser();
    const ada = await register(app);
    // Signed up on a keyboard that types `é` as `e` and a combining accent, before normalisation.
    const decomposed = 'cafe\u0301 au lait';
    const composed = 'caf\u00e9 au lait';
    await database.query('UPDATE users SET password_hash = $1 WHERE id = $2', [await hashAsTyped(decomposed), ada.id]);
    const api = await httpClient(app);

    expect((await post(api, { email: 'ada@example.com', password: decomposed })).status).toBe(200);
    const [{ password_hash: upgraded }] = (await database.query<{ password_hash: string }>('SELECT password_hash FROM users')) as [
      { password_hash: string },
    ];
    expect(await checkPassword(upgraded, composed)).toBe('match');
    // Then on the other keyboard: `é` as one character.
    expect((await post(api, { email: 'ada@example.com', password: composed })).status).toBe(200);
    expect((await post(api, { email: 'ada@example.com', password: 'cafe au lait' })).status).toBe(401);
  });

  it('takes a password of the longest length signed up with, typed with its accents apart on another keyboard', async () => {
    const { app } = await buildUser();
    // 128 characters, each of which NFD spells as three (ế: e, circumflex, acute): 384 typed.
    const composed = '\u1ebf'.repeat(128);
    await register(app, 'ada@example.com', composed);
    const api = await httpClient(app);
    const decomposed = composed.normalize('NFD');
    expect([...decomposed]).toHaveLength(384);
    expect((await post(api, { email: 'ada@example.com', password: decomposed })).status).toBe(200);
    // The cap still holds past any spelling of a password sign-up takes.
    expect((await post(api, { email: 'ada@example.com', password: 'p'.repeat(513) })).status).toBe(400);
  });

  it('gives an unknown email and a wrong password the same 401', async () => {
    const { app, logs } = await buildUser();
    await register(app);
    const api = await httpClient(app);
    const wrongPassword = await post(api, { email: 'ada@example.com', password: 'not the password' });
    const unknownEmail = await post(api, { email: 'nobody@example.com', password: PASSWORD });
    for (const response of [wrongPassword, unknownEmail]) {
      expect(response.status).toBe(401);
      expect(response.body).toEqual({
        statusCode: 401,
        code: 'USER_INVALID_CREDENTIALS',
        error: 'Unauthorized',
        message: 'Email or password is incorrect',
      });
    }
    expect(wrongPassword.text).toBe(unknownEmail.text);
    // The password of the hash an unknown email is checked against matches it: still no account.
    const decoy = await post(api, { email: 'nobody@example.com', password: 'decoy password, never valid' });
    expect(decoy.text).toBe(unknownEmail.text);
    expect(logs.text()).not.toContain('not the password');
    expect(logs.text()).not.toContain(PASSWORD);
  });

  it('answers a refused login without a WWW-Authenticate challenge, as its OpenAPI document says', async () => {
    const { app } = await buildUser();
    const api = await httpClient(app);
    await register(app);
    const refused = await post(api, { email: 'ada@example.com', password: 'wrong password' });
    expect(refused.status).toBe(401);
    expect(refused.headers['www-authenticate']).toBeUndefined();
    const { paths } = (await api.get('/user/openapi.json')).body;
    expect(paths['/user/login'].post.responses['401'].headers['www-authenticate']).toBeUndefined();
  });

  it('spends about the same time on an unknown email as on a wrong password', async () => {
    const { app } = await buildUser();
    await register(app);
    const api = await httpClient(app);
    const time = async (email: string) => {
      const started = performance.now();
      await post(api, { email, password: 'wrong password' });
      return performance.now() - started;
    };
    await time('warm-up@example.com');
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      known.push(await time('ada@example.com'));
      unknown.push(await time(`nobody${i}@example.com`));
    }
    const median = (values: number[]) => values.sort((a, b) => a - b)[1]!;
    // Both paths run one argon2 verification; without the decoy the unknown email would be ~100x faster.
    expect(median(unknown)).toBeGreaterThan(median(known) / 4);
  });

  it('rejects a missing password or an unknown field with 400', async () => {
    const { app } = await buildUser();
    const api = await httpClient(app);
    expect((await post(api, { email: 'ada@example.com' })).body.message).toBe('body/password is required');
    expect((await post(api, { email: 'a@b.co', password: PASSWORD, remember: true })).body.message).toBe('body/remember is not allowed');
  });
});
