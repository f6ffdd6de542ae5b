import { exportJWK, generateKeyPair, SignJWT, errors, type JWK } from 'jose';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { freePort } from '@myshop/testing';
import { Registry } from 'prom-client';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { createRemoteKeySet, KeySetUnavailableError } from '../src/remote-key-set.ts';
import { serveJwks } from '../src/testing/index.ts';

async function newKey(kid: string) {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'EdDSA', use: 'sig' };
  const sign = () => new SignJWT({}).setProtectedHeader({ alg: 'EdDSA', kid, typ: 'at+jwt' }).setIssuedAt().sign(privateKey);
  return { jwk, sign };
}

/** A JWKS endpoint whose keys and health the test changes; counts the requests it gets. */
async function issuerEndpoint(keys: JWK[]) {
  const state = { keys, up: true };
  const served = await serveJwks(() => (state.up ? { keys: state.keys } : undefined));
  onTestFinished(() => served.close());
  return { url: served.url, state, requests: served.requests };
}

/** What jwtVerify does with a resolver: asks it for the key named in the token's header. */
function keyFor(keySet: ReturnType<typeof createRemoteKeySet>, token: string) {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  return keySet(JSON.parse(Buffer.from(header, 'base64url').toString()), { payload, signature, protected: header });
}

/** The key set reads the time from Date: faked for one test, the real clock back after it. */
function fakeClock(now?: number) {
  vi.useFakeTimers({ toFake: ['Date'], ...(now === undefined ? {} : { now }) });
  onTestFinished(() => {
    vi.useRealTimers();
  });
}

describe('createRemoteKeySet', () => {
  it("times every fetch as a call to the user service, by outcome, in the app's registry", async () => {
    const registry = new Registry();
    const current = await newKey('current');
    const endpoint = await issuerEndpoint([current.jwk]);
    // A deadline no busy machine reaches for the endpoints that answer; a short one for the one that never does.
    const timed = (url: URL, timeoutMs = 10_000) => createRemoteKeySet(url, { metricsRegistry: registry, timeoutMs });
    await timed(endpoint.url).refresh();
    await expect(timed(new URL('/elsewhere', endpoint.url)).refresh()).rejects.toThrow('answered 404');
    const strange = await serveJwks(() => 'not JSON');
    onTestFinished(() => strange.close());
    await expect(timed(strange.url).refresh()).rejects.toThrow();
    const shapeless = await serveJwks(() => ({ set: [] }));
    onTestFinished(() => shapeless.close());
    await expect(timed(shapeless.url).refresh()).rejects.toThrow('did not answer a JWK set');
    endpoint.state.up = false;
    await expect(timed(endpoint.url).refresh()).rejects.toThrow('answered 503');
    // Nothing listens there any more: refused.
    await expect(timed(new URL(`http://127.0.0.1:${await freePort()}/user/.well-known/jwks.json`)).refresh()).rejects.toThrow();
    // Answers, never in time.
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => silent.close(() => resolve())));
    silent.on('connection', (socket) => onTestFinished(() => void socket.destroy()));
    await expect(timed(new URL(`http://127.0.0.1:${(silent.address() as AddressInfo).port}/jwks.json`), 200).refresh()).rejects.toThrow();

    const metric = await registry.getSingleMetric('http_client_request_duration_seconds')!.get();
    const counts = (metric.values as { metricName?: string; labels: object }[])
      .filter((value) => value.metricName === 'http_client_request_duration_seconds_count')
      .map((value) => value.labels);
    expect(counts).toEqual([
      { target: 'user', method: 'GET', outcome: 'ok' },
      { target: 'user', method: 'GET', outcome: 'rejected' },
      { target: 'user', method: 'GET', outcome: 'bad-response' },
      { target: 'user', method: 'GET', outcome: 'server-error' },
      { target: 'user', method: 'GET', outcome: 'connection' },
      { target: 'user', method: 'GET', outcome: 'timeout' },
    ]);
  });

  it('refuses a key set past a MiB: a broken or hostile issuer cannot fill the memory of every replica', async () => {
    const huge = await serveJwks(() => ({ keys: [{ kty: 'OKP', x: 'A'.repeat(2_000_000) }] }));
    onTestFinished(() => huge.close());
    const keySet = createRemoteKeySet(huge.url);
    onTestFinished(() => keySet.close());
    await expect(keySet.refresh()).rejects.toThrow(/did not answer a JWK set \(.*larger than 1048576 bytes\)/);
  });

  it('follows no redirect, as jose does not: a key set is taken only from the URL configured', async () => {
    const current = await newKey('current');
    const endpoint = await issuerEndpoint([current.jwk]);
    const redirecting = createServer((_request, response) => response.writeHead(301, { location: endpoint.url.href }).end());
    await new Promise<void>((resolve) => redirecting.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => redirecting.close(() => resolve())));
    const keySet = createRemoteKeySet(new URL(`http://127.0.0.1:${(redirecting.address() as AddressInfo).port}/old/jwks.json`));
    onTestFinished(() => keySet.close());
    await expect(keySet.refresh()).rejects.toThrow(/did not answer a JWK set \(answered 301\)/);
    expect(endpoint.requests()).toBe(0);
  });

  it('fetches once and answers from what it holds', async () => {
    const current = await newKey('current');
    const endpoint = await issuerEndpoint([current.jwk]);
    const keySet = createRemoteKeySet(endpoint.url);
    for (let i = 0; i < 3; i += 1) await expect(keyFor(keySet, await current.sign())).resolves.toBeDefined();
    expect(endpoint.requests()).toBe(1);
  });

  it('keeps serving the last keys when the issuer is down past their age', async () => {
    const current = await newKey('current');
    const endpoint = await issuerEndpoint([current.jwk]);
    const refreshErrors: unknown[] = [];
    const keySet = createRemoteKeySet(endpoint.url, { maxAgeMs: 0, cooldownMs: 0, onRefreshError: (error) => refreshErrors.push(error) });
    await keySet.refresh();
    endpoint.state.up = false;
    for (let i = 0; i < 3; i += 1) {
      await expect(keyFor(keySet, await current.sign())).resolves.toBeDefined();
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(endpoint.requests()).toBeGreaterThan(1);
    expect(refreshErrors.length).toBeGreaterThan(0);
  });

  it('refreshes a stale set at most once per cooldown while the issuer is down, however many tokens come', async () => {
    fakeClock();
    const current = await newKey('current');
    const endpoint = await issuerEndpoint([current.jwk]);
    const refreshErrors: unknown[] = [];
    const keySet = createRemoteKeySet(endpoint.url, { onRefreshError: (error) => refreshErrors.push(error) });
    await keySet.refresh();
    endpoint.state.up = false;
    // Past the set's 5 minutes: the first token starts a refresh, which fails.
    vi.advanceTimersByTime(301_000);
    await expect(keyFor(keySet, await current.sign())).resolves.toBeDefined();
    await vi.waitFor(() => expect(refreshErrors).toHaveLength(1));
    for (let i = 0; i < 5; i += 1) await expect(keyFor(keySet, await current.sign())).resolves.toBeDefined();
    expect(endpoint.requests()).toBe(2);
    // Once the cooldown has passed, one more.
    vi.advanceTimersByTime(30_001);
    await expect(keyFor(keySet, await current.sign())).resolves.toBeDefined();
    await vi.waitFor(() => expect(refreshErrors).toHaveLength(2));
    expect(endpoint.requests()).toBe(3);
  });

  it('fetches again for a key it lacks: a key published since is found', async () => {
    const current = await newKey('current');
    const next = await newKey('next');
    const endpoint = await issuerEndpoint([current.jwk]);
    const keySet = createRemoteKeySet(endpoint.url, { cooldownMs: 0 });
    await keySet.refresh();
    endpoint.state.keys = [current.jwk, next.jwk];
    await expect(keyFor(keySet, await next.sign())).resolves.toBeDefined();
    expect(endpoint.requests()).toBe(2);
  });

  it('finds a key published since its set went stale, at the first token naming it', async () => {
    const current = await newKey('current');
    const next = await newKey('next');
    const endpoint = await issuerEndpoint([current.jwk]);
    const keySet = createRemoteKeySet(endpoint.url, { maxAgeMs: 300_000, cooldownMs: 30_000 });
    await keySet.refresh();
    // A replica that saw no token for longer than the set's age; meanwhile the next key was published.
    fakeClock(Date.now() + 301_000);
    endpoint.state.keys = [current.jwk, next.jwk];
    await expect(keyFor(keySet, await next.sign())).resolves.toBeDefined();
    expect(endpoint.requests()).toBe(2);
  });

  it('lets every token naming a new key wait for the one fetch under way, not refuse it', async () => {
    const current = await newKey('current');
    const next = await newKey('next');
    const endpoint = await issuerEndpoint([current.jwk]);
    const keySet = createRemoteKeySet(endpoint.url, { maxAgeMs: 3_600_000, cooldownMs: 30_000 });
    await keySet.refresh();
    fakeClock(Date.now() + 31_000);
    endpoint.state.keys = [current.jwk, next.jwk];
    // Two requests with the new key at once: the first fetches, the second waits for that fetch.
    const token = await next.sign();
    const answers = await Promise.allSettled([keyFor(keySet, token), keyFor(keySet, token)]);
    expect(answers.map((answer) => answer.status)).toEqual(['fulfilled', 'fulfilled']);
    expect(endpoint.requests()).toBe(2);
  });

  it('says "unavailable", not "invalid", for a key it lacks while the issuer cannot be reached', async () => {
    const current = await newKey('current');
    const next = await newKey('next');
    const endpoint = await issuerEndpoint([current.jwk]);
    const keySet = createRemoteKeySet(endpoint.url, { cooldownMs: 0 });
    await keySet.refresh();
    endpoint.state.up = false;
    await expect(keyFor(keySet, await next.sign())).rejects.toBeInstanceOf(KeySetUnavailableError);
    // …and keeps the keys it had.
    await expect(keyFor(keySet, await current.sign())).resolves.toBeDefined();
  });

  it('keeps saying "unavailable" for unknown keys during the cooldown after a failed fetch', async () => {
    const current = await newKey('current');
    const endpoint = await issuerEndpoint([current.jwk]);
    const keySet = createRemoteKeySet(endpoint.url, { cooldownMs: 30_000, maxAgeMs: 3_600_000 });
    await keySet.refresh();
    // Past the cooldown, by the clock the key set reads.
    fakeClock(Date.now() + 31_000);
    endpoint.state.up = false;
    await expect(keyFor(keySet, await (await newKey('new-1')).sign())).rejects.toBeInstanceOf(KeySetUnavailableError);
    await expect(keyFor(keySet, await (await newKey('new-2')).sign())).rejects.toBeInstanceOf(KeySetUnavailableError);
    expect(endpoint.requests()).toBe(2);
  });

  it('says "invalid" again for an unknown key once a fetch after the failed one has succeeded', async () => {
    fakeClock();
    const current = await newKey('current');
    const endpoint = await issuerEndpoint([current.jwk]);
    const keySet = createRemoteKeySet(endpoint.url);
    await keySet.refresh();
    endpoint.state.up = false;
    vi.advanceTimersByTime(31_000);
    await expect(keyFor(keySet, await (await newKey('new-1')).sign())).rejects.toBeInstanceOf(KeySetUnavailableError);
    // The issuer is back and its set is fetched again: an unknown key is a forged one, not an outage.
    endpoint.state.up = true;
    vi.advanceTimersByTime(31_000);
    await keySet.refresh();
    await expect(keyFor(keySet, await (await newKey('forged')).sign())).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey);
    expect(endpoint.requests()).toBe(3);
  });

  it('passes on what is wrong with a set it holds (two keys under one kid) without fetching again', async () => {
    const first = await newKey('twin');
    const second = await newKey('twin');
    const endpoint = await issuerEndpoint([first.jwk, second.jwk]);
    const keySet = createRemoteKeySet(endpoint.url, { cooldownMs: 0 });
    await expect(keyFor(keySet, await first.sign())).rejects.toBeInstanceOf(errors.JWKSMultipleMatchingKeys);
    expect(endpoint.requests()).toBe(1);
  });

  it('says "unavailable" when it never had keys and cannot get them', async () => {
    const keySet = createRemoteKeySet(new URL('http://127.0.0.1:9/jwks.json'), { timeoutMs: 500 });
    await expect(keyFor(keySet, await (await newKey('any')).sign())).rejects.toBeInstanceOf(KeySetUnavailableError);
  });

  it('asks at most once a second while it never had keys, whatever the number of tokens, and takes the set once it comes', async () => {
    fakeClock();
    const current = await newKey('current');
    const endpoint = await issuerEndpoint([current.jwk]);
    endpoint.state.up = false;
    const keySet = createRemoteKeySet(endpoint.url);
    for (let i = 0; i < 20; i += 1) await expect(keyFor(keySet, await current.sign())).rejects.toBeInstanceOf(KeySetUnavailableError);
    expect(endpoint.requests()).toBe(1);
    endpoint.state.up = true;
    vi.advanceTimersByTime(1_001);
    await expect(keyFor(keySet, await current.sign())).resolves.toBeDefined();
    expect(endpoint.requests()).toBe(2);
  });

  it('refuses a key the issuer does not publish, asking at most once per cooldown (a forged kid costs nothing)', async () => {
    const current = await newKey('current');
    const endpoint = await issuerEndpoint([current.jwk]);
    const keySet = createRemoteKeySet(endpoint.url, { cooldownMs: 60_000 });
    await keySet.refresh();
    for (let i = 0; i < 5; i += 1) {
      await expect(keyFor(keySet, await (await newKey(`forged-${i}`)).sign())).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey);
    }
    expect(endpoint.requests()).toBe(1);
  });

  it('by default asks again for unknown keys once per 30 seconds, whatever the number of forged kids', async () => {
    fakeClock();
    const current = await newKey('current');
    const endpoint = await issuerEndpoint([current.jwk]);
    const keySet = createRemoteKeySet(endpoint.url);
    await keySet.refresh();
    const forged = async (i: number) => {
      await expect(keyFor(keySet, await (await newKey(`forged-${i}`)).sign())).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey);
    };
    for (let i = 0; i < 5; i += 1) await forged(i);
    vi.advanceTimersByTime(29_000);
    await forged(5);
    expect(endpoint.requests()).toBe(1);
    vi.advanceTimersByTime(2_000);
    await forged(6);
    expect(endpoint.requests()).toBe(2);
  });

  it.each([
    ['an error status', undefined, /answered 503/],
    ['JSON without keys', '{"nope":1}', /did not answer a JWK set/],
    ['null', 'null', /did not answer a JWK set/],
  ])('treats %s as a failed fetch', async (_name, body, message) => {
    const served = await serveJwks(() => body);
    onTestFinished(() => served.close());
    const keySet = createRemoteKeySet(served.url);
    await expect(keySet.refresh()).rejects.toThrow(message);
  });
});
