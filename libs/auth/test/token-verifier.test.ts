import { createLocalJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { accessTokenVerifyOptions, MAX_ACCESS_TOKEN_AGE_SECONDS } from '../src/index.ts';
import { createRemoteKeySet } from '../src/remote-key-set.ts';
import { createTestIssuer, serveJwks } from '../src/testing/index.ts';
import { createTokenVerifier } from '../src/token-verifier.ts';

async function setUp(cacheSize = 100) {
  const issuer = await createTestIssuer();
  let keys: JWTVerifyGetKey = issuer.keys;
  const verifications: string[] = [];
  const verify = createTokenVerifier({
    // Through a switch, so that a test can withdraw the key from the set.
    keys: (header, token) => keys(header, token),
    verifyOptions: accessTokenVerifyOptions(issuer.issuer, issuer.audience),
    cacheSize,
    verifySignature: (token, keySet, options) => {
      verifications.push(token);
      return jwtVerify(token, keySet, options);
    },
  });
  return { issuer, verify, verifications, setKeys: (next: JWTVerifyGetKey) => (keys = next) };
}

/** The token with one character of its header, payload or signature changed. */
function tamper(token: string, part: 0 | 1 | 2): string {
  const parts = token.split('.');
  const segment = parts[part]!;
  parts[part] = `${segment.slice(0, 10)}${segment[10] === 'A' ? 'B' : 'A'}${segment.slice(11)}`;
  return parts.join('.');
}

describe('createTokenVerifier', () => {
  afterEach(() => vi.useRealTimers());

  it('verifies a token once, then answers it from the cache', async () => {
    const { issuer, verify, verifications } = await setUp();
    const token = await issuer.signOperator('user-1');
    const first = await verify(token);
    expect(first).toEqual({ principal: { id: 'user-1', roles: ['operator'], scopes: [], clientId: 'myshop' }, audiences: ['myshop'] });
    expect(await verify(token)).toBe(first);
    expect(await verify(token)).toBe(first);
    expect(verifications).toHaveLength(1);
    expect(Object.isFrozen(first.principal)).toBe(true);
    expect(Object.isFrozen(first.principal.roles)).toBe(true);
  });

  it('keeps only the string roles and scopes a token names', async () => {
    const { issuer, verify } = await setUp();
    // Claims of any JSON type: what is no string names no role (Principal.roles is string[]).
    const token = await issuer.sign('user-1', { claims: { roles: [7, 'operator', null, ['operator']], scope: ' payment:charge  x ' } });
    const { principal } = await verify(token);
    expect(principal.roles).toEqual(['operator']);
    expect(principal.scopes).toEqual(['payment:charge', 'x']);
  });

  it('never lets a tampered token hit the entry of the one it was made from', async () => {
    const { issuer, verify, verifications } = await setUp();
    const token = await issuer.sign('user-1');
    await verify(token);
    // The header too: its payload and signature alone must not find the entry (a typ or kid changed).
    for (const forged of [tamper(token, 0), tamper(token, 1), tamper(token, 2), `${token}x`]) {
      await expect(verify(forged)).rejects.toBeInstanceOf(errors.JOSEError);
    }
    expect(verifications).toHaveLength(5);
    // Refused tokens are not kept: asked again, they are verified (and refused) again.
    await expect(verify(tamper(token, 2))).rejects.toBeInstanceOf(errors.JWSSignatureVerificationFailed);
    expect(verifications).toHaveLength(6);
  });

  it('serves a token no longer once it has expired: the full verification refuses it', async () => {
    const { issuer, verify, verifications } = await setUp();
    const token = await issuer.sign('user-1', { expiresIn: '60s' });
    await verify(token);
    await verify(token);
    expect(verifications).toHaveLength(1);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 61_000);
    // Past exp, within jose's 5 s of clock tolerance: verified in full again, and not kept.
    await verify(token);
    expect(verifications).toHaveLength(2);
    vi.setSystemTime(Date.now() + 10_000);
    await expect(verify(token)).rejects.toBeInstanceOf(errors.JWTExpired);
    expect(verifications).toHaveLength(3);
  });

  it('serves a token no longer once it is older than a token lives, whatever its exp says', async () => {
    const { issuer, verify, verifications } = await setUp();
    const now = Date.now();
    vi.useFakeTimers({ toFake: ['Date'] });
    // Issued 30 s short of the maximum age, to expire an hour after it.
    vi.setSystemTime(now - (MAX_ACCESS_TOKEN_AGE_SECONDS - 30) * 1000);
    const token = await issuer.sign('user-1', { expiresIn: `${MAX_ACCESS_TOKEN_AGE_SECONDS + 3600}s` });
    vi.setSystemTime(now);
    await verify(token);
    await verify(token);
    expect(verifications).toHaveLength(1);
    vi.setSystemTime(now + 31_000);
    // Past its maximum age, within the clock tolerance: verified in full again, and not kept.
    await verify(token);
    expect(verifications).toHaveLength(2);
    vi.setSystemTime(now + 41_000);
    await expect(verify(token)).rejects.toBeInstanceOf(errors.JWTExpired);
    expect(verifications).toHaveLength(3);
  });

  it('keeps at most its size, the least recently used going first', async () => {
    const { issuer, verify, verifications } = await setUp(2);
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((user) => issuer.sign(user)));
    for (const token of [a!, b!, a!, c!]) await verify(token);
    expect(verifications).toEqual([a, b, c]);
    // b was the least recently used when c came.
    await verify(a!);
    await verify(c!);
    expect(verifications).toHaveLength(3);
    await verify(b!);
    expect(verifications).toEqual([a, b, c, b]);
  });

  it('refuses a cached token once its key is withdrawn from the key set', async () => {
    const { issuer, verify, verifications, setKeys } = await setUp();
    const token = await issuer.sign('user-1');
    await verify(token);
    setKeys(createLocalJWKSet({ keys: [] }));
    await expect(verify(token)).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey);
    expect(verifications).toHaveLength(2);
  });

  it('accepts a key withdrawn from the published set until its fetched set is refreshed, cached tokens included', async () => {
    // What docs/key-rotation.md tells the operator: the window a leaked key stays good after the
    // user service stops publishing it, unless cart and payment are restarted.
    vi.useFakeTimers({ toFake: ['Date'] });
    const issuer = await createTestIssuer();
    const published = { keys: issuer.jwks.keys };
    const served = await serveJwks(() => published);
    onTestFinished(() => served.close());
    const keys = createRemoteKeySet(served.url);
    onTestFinished(() => keys.close());
    const verify = createTokenVerifier({ keys, verifyOptions: accessTokenVerifyOptions(issuer.issuer, issuer.audience), cacheSize: 100 });
    const cached = await issuer.sign('user-1');
    await verify(cached);

    published.keys = [];
    vi.advanceTimersByTime(299_000);
    await expect(verify(cached)).resolves.toMatchObject({ principal: { id: 'user-1' } });
    await expect(verify(await issuer.sign('user-2'))).resolves.toMatchObject({ principal: { id: 'user-2' } });
    expect(served.requests()).toBe(1);

    // Past 5 minutes, the first token starts the refresh and is still answered from the old set.
    vi.advanceTimersByTime(2_000);
    await expect(verify(cached)).resolves.toMatchObject({ principal: { id: 'user-1' } });
    // Once that refresh has taken the new set in, which is later than the server counting its
    // request (a stall of a busy machine can fall between the two): the cached token is refused.
    await vi.waitFor(() => expect(verify(cached)).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey), { timeout: 10_000, interval: 50 });
    // That one refresh, no other.
    expect(served.requests()).toBe(2);
    await expect(verify(await issuer.sign('user-3'))).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey);
  });

  it('verifies again once when the key set is fetched anew, then caches again', async () => {
    const { issuer, verify, verifications, setKeys } = await setUp();
    const token = await issuer.sign('user-1');
    await verify(token);
    setKeys(createLocalJWKSet(issuer.jwks));
    await verify(token);
    await verify(token);
    expect(verifications).toHaveLength(2);
  });

  it('verifies every time with a size of 0', async () => {
    const { issuer, verify, verifications } = await setUp(0);
    const token = await issuer.sign('user-1');
    await verify(token);
    await verify(token);
    expect(verifications).toHaveLength(2);
  });

  it('refuses a token whose sub, client_id or act.sub no database could store as that id, and caches none', async () => {
    const { issuer, verify } = await setUp();
    // Claims of any JSON type, as a token may hold them.
    const malformed: Record<string, unknown>[] = [
      { sub: 'user-1\u0000' },
      { sub: '\udc00user-1' },
      { sub: '' },
      { sub: 'u'.repeat(256) },
      { sub: { id: 'user-1' } },
      { client_id: 'myshop\u001b' },
      { client_id: 7 },
      { act: { sub: 'cart\u0000' } },
      { act: { sub: ['cart'] } },
      // An act that names no actor: the token would pass as the user's own.
      { act: {} },
      { act: 'cart' },
      { act: null },
      { act: ['cart'] },
    ];
    for (const claims of malformed) {
      const token = await issuer.sign('user-1', { claims });
      await expect(verify(token), JSON.stringify(claims)).rejects.toBeInstanceOf(errors.JWTClaimValidationFailed);
      await expect(verify(token), 'not cached').rejects.toBeInstanceOf(errors.JWTClaimValidationFailed);
    }
    // Any other character is an id: a letter outside ASCII, an emoji (a whole surrogate pair), 255 of them.
    for (const sub of ['ü-1', 'user-😀', 'u'.repeat(255)]) {
      expect((await verify(await issuer.sign(sub))).principal.id).toBe(sub);
    }
    expect((await verify(await issuer.signService('user-1', { scope: 'payment:charge', audience: issuer.audience }))).principal.actor).toBe(
      'cart',
    );
  });
});
