/**
 * Every write route of the user service, fed 1,000+ malformed requests each (fast-check): never a
 * 5xx, always the JSON error shape, no stack trace or SQL, no account created or changed, and no
 * token issued.
 */
import { FUZZ_TIMEOUT_MS, fuzzJsonRoute, storableText, stringField, tableState } from '@myshop/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildUser, CART_SECRET, PASSWORD, register } from '../helpers.ts';

/** Attempt limits far above the runs: every request reaches the route's own checks. */
const UNLIMITED = {
  LOGIN_LIMIT_PER_IP: '1000000',
  LOGIN_LIMIT_PER_ACCOUNT: '1000000',
  LOGIN_LIMIT_PER_ACCOUNT_UNKNOWN_ADDRESSES: '1000000',
  REGISTER_LIMIT_PER_IP: '1000000',
  REGISTER_LIMIT_PER_ACCOUNT: '1000000',
};

/** Length as JSON Schema counts it: code points, not UTF-16 units. */
const length = (text: string) => [...text].length;

/**
 * Generous on purpose: everything these accept is kept out of the "invalid" values, so a string
 * the service would store is never sent as one it must refuse.
 */
const mayBeEmail = (text: string) => text.trim().includes('@') && length(text.trim()) <= 254 && storableText(text);
const mayBePassword = (text: string) => length(text) >= 8 && length(text) <= 128 && storableText(text);
const mayBeName = (text: string) => length(text) >= 1 && length(text) <= 100 && /\S/u.test(text) && storableText(text);

describe('hostile input to the user service (fast-check)', () => {
  it('POST /user/register: malformed sign-ups never get a 5xx and create no account', { timeout: FUZZ_TIMEOUT_MS }, async () => {
    const { app, database } = await buildUser(UNLIMITED);
    await register(app);
    const result = await fuzzJsonRoute({ app, state: tableState(database, ['users']) }, 'POST /user/register', {
      body: {
        email: stringField(fc.constantFrom('grace@example.com', ' Grace.Hopper@example.org '), mayBeEmail, {
          invalid: fc.constantFrom(`${'a'.repeat(250)}@example.com`, 'a\u0000@example.com', 'grace@exa\ud800mple.com'),
        }),
        password: stringField(fc.constant('another horse battery'), mayBePassword, {
          invalid: fc.constantFrom('short', 'x'.repeat(129), 'correct\u0000horse'),
        }),
        name: stringField(fc.constantFrom('Grace', 'Grace Hopper 🛒'), mayBeName, {
          invalid: fc.constantFrom('', '   ', '\t\n', 'x'.repeat(101), 'Grace\u0000', '\ud800Grace'),
        }),
      },
    });
    expect(result.serverErrors).toBe(0);
  });

  it('POST /user/login: malformed logins never get a 5xx nor a token, and change nothing', { timeout: FUZZ_TIMEOUT_MS }, async () => {
    const { app, database } = await buildUser(UNLIMITED);
    await register(app);
    const result = await fuzzJsonRoute({ app, state: tableState(database, ['users']) }, 'POST /user/login', {
      body: {
        email: stringField(
          fc.constantFrom('ada@example.com', ' ADA@example.com'),
          (text) => length(text) >= 1 && length(text) <= 254 && storableText(text),
          { invalid: fc.constantFrom('a\u0000@example.com', '', 'x'.repeat(255)) },
        ),
        // The right password appears only beside a broken field: the request must still fail.
        password: stringField(
          fc.constantFrom(PASSWORD, 'wrong password'),
          (text) => length(text) >= 1 && length(text) <= 128 && storableText(text),
          { invalid: fc.constantFrom('', 'x'.repeat(129), 'correct horse\u0000') },
        ),
      },
    });
    expect(result.serverErrors).toBe(0);
  });

  it(
    'POST /user/oauth/token: malformed token requests never get a 5xx nor a token, and change nothing',
    { timeout: FUZZ_TIMEOUT_MS },
    async () => {
      const { app, database } = await buildUser(UNLIMITED);
      const result = await fuzzJsonRoute({ app, state: tableState(database, ['users']) }, 'POST /user/oauth/token', {
        body: {
          grant_type: stringField(fc.constant('client_credentials'), (text) => text === 'client_credentials', {
            invalid: fc.constantFrom('password', 'authorization_code', 'CLIENT_CREDENTIALS', ''),
          }),
          client_id: stringField(fc.constant('cart'), (text) => text === 'cart', {
            invalid: fc.constantFrom('', 'payment', 'x'.repeat(101), 'cart\u0000'),
          }),
          // The right secret appears only beside a broken field: the request must still fail.
          client_secret: stringField(fc.constant(CART_SECRET), (text) => text === CART_SECRET, {
            invalid: fc.constantFrom('', 'wrong secret', 'x'.repeat(201), `${CART_SECRET}\u0000`),
          }),
          audience: stringField(fc.constant('payment'), (text) => text === 'payment', {
            invalid: fc.constantFrom('', 'user', 'x'.repeat(101)),
          }),
          scope: stringField(fc.constant('payment:refunds:read'), (text) => text === 'payment:refunds:read', {
            invalid: fc.constantFrom('', 'payment:charge', ' payment:refunds:read', 'payment:refunds:read\n', 'x'.repeat(501)),
          }),
        },
      });
      expect(result.serverErrors).toBe(0);
      expect(result.statuses[200], 'a token issued for a malformed request').toBeUndefined();
    },
  );
});

describe('the contract the fuzzing relies on', () => {
  it('issues a token for the well-formed request the token fuzzing breaks', async () => {
    const { app } = await buildUser();
    const response = await app.inject({
      method: 'POST',
      url: '/user/oauth/token',
      payload: {
        grant_type: 'client_credentials',
        client_id: 'cart',
        client_secret: CART_SECRET,
        audience: 'payment',
        scope: 'payment:refunds:read',
      },
    });
    expect(response.statusCode).toBe(200);
  });

  it('refuses a NUL or an unpaired surrogate in a name, and a NUL in a login email, with 400 instead of a database error', async () => {
    const { app, database } = await buildUser();
    for (const name of ['Ada\u0000', '\ud800Ada']) {
      const response = await app.inject({
        method: 'POST',
        url: '/user/register',
        payload: { email: 'ada@example.com', password: PASSWORD, name },
      });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({
        code: 'FST_ERR_VALIDATION',
        message: expect.stringContaining('body/name contains a character that is not allowed'),
      });
    }
    const login = await app.inject({ method: 'POST', url: '/user/login', payload: { email: 'ada\u0000@example.com', password: PASSWORD } });
    expect(login.statusCode).toBe(400);
    expect(await database.query('SELECT count(*)::int AS users FROM users')).toEqual([{ users: 0 }]);
  });
});
