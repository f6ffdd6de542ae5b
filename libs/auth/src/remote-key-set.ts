import { createHttpClient, describeAnswer, type HttpClient } from '@myshop/http-client';
import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import type { Registry } from 'prom-client';
import { Type } from 'typebox';

export interface RemoteKeySetOptions {
  /** Longest one fetch of the key set may take. */
  timeoutMs?: number;
  /** Past this age the set is fetched again in the background; until it arrives, the old one serves. */
  maxAgeMs?: number;
  /** At most one fetch per this long for a token naming a key the set lacks (a forged kid costs nothing). */
  cooldownMs?: number;
  /** At most one fetch per this long while no set was ever had (the issuer not up yet): every token needs one. */
  retryMs?: number;
  /** Told when a background refresh fails (the last keys keep serving). */
  onRefreshError?: (error: unknown) => void;
  /**
   * The app's metrics registry: each fetch is timed as a call to the user service
   * (`http_client_request_duration_seconds{target="user"}`), as the service's other calls are.
   */
  metricsRegistry?: Registry;
}

/**
 * The issuer's keys could not be had and the token's key is not among those we hold: the token may
 * well be valid, so the answer is "try again" (503), never "invalid" (401).
 */
export class KeySetUnavailableError extends Error {
  constructor(cause: unknown) {
    super('The key set cannot be fetched', { cause });
    this.name = 'KeySetUnavailableError';
  }
}

export type RemoteKeySet = JWTVerifyGetKey & {
  /** Fetches the set now (at start-up, so the first request does not wait). */
  refresh(): Promise<void>;
  /** Closes the kept-alive connection to the issuer. */
  close(): Promise<void>;
};

/**
 * A JWKS fetched over HTTP that keeps serving the last set it had: a failed refresh never makes
 * valid tokens fail. A token naming an unknown key makes it fetch again (a key that was just
 * published), at most once per cooldown; if that fetch fails, the answer is 503, not 401.
 * (jose's createRemoteJWKSet throws away its cache once it is older than its max age, so an
 * outage of the issuer longer than that turns every request into an error.)
 */
export function createRemoteKeySet(url: URL, options: RemoteKeySetOptions = {}): RemoteKeySet {
  const timeoutMs = options.timeoutMs ?? 2000;
  const maxAgeMs = options.maxAgeMs ?? 300_000;
  const cooldownMs = options.cooldownMs ?? 30_000;
  const retryMs = options.retryMs ?? 1000;
  const client = createHttpClient({
    baseUrl: url.origin,
    timeoutMs,
    // A set is fetched every few minutes: one socket is plenty.
    connections: 1,
    metricsRegistry: options.metricsRegistry,
    target: 'user',
  });
  let local: JWTVerifyGetKey | undefined;
  let fetchedAt = 0;
  let lastAttemptAt = Number.NEGATIVE_INFINITY;
  let lastError: unknown;
  let inFlight: Promise<void> | undefined;
  /** While no set was ever had: when a token may make the next fetch. */
  let noSetRetryAt = 0;

  const refresh = (): Promise<void> => {
    inFlight ??= (async () => {
      lastAttemptAt = Date.now();
      try {
        local = createLocalJWKSet(await fetchKeySet(client, url, timeoutMs));
        fetchedAt = Date.now();
        lastError = undefined;
      } catch (error) {
        lastError = error;
        throw error;
      } finally {
        inFlight = undefined;
      }
    })();
    return inFlight;
  };

  const getKey: JWTVerifyGetKey = async (header, token) => {
    if (!local) {
      // Every token needs a set we do not have: without a pause after a failed fetch, each request
      // would be one more fetch at an issuer that is down or just starting. (A failed fetch at
      // start-up makes none: the first token still asks.)
      if (!inFlight && Date.now() < noSetRetryAt) throw new KeySetUnavailableError(lastError);
      await refresh().catch((error: unknown) => {
        noSetRetryAt = Date.now() + retryMs;
        throw new KeySetUnavailableError(error);
      });
    } else if (Date.now() - fetchedAt > maxAgeMs && !inFlight && Date.now() - lastAttemptAt > cooldownMs) {
      refresh().catch((error: unknown) => options.onRefreshError?.(error));
    }
    try {
      return await local!(header, token);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
      // A key we do not hold: just published, or never existed. A fetch under way (the one this
      // token's own stale-set check just started, or another token's) may bring it, so wait for
      // it; otherwise ask again unless we just did.
      if (inFlight || Date.now() - lastAttemptAt > cooldownMs) {
        await refresh().catch((refreshError: unknown) => Promise.reject(new KeySetUnavailableError(refreshError)));
        return local!(header, token);
      }
      // We asked a moment ago: if that failed, we cannot tell a new key from a forged one.
      if (lastError !== undefined) throw new KeySetUnavailableError(lastError);
      throw error;
    }
  };
  return Object.assign(getKey, { refresh, close: () => client.close() });
}

/** What a JWKS answer must hold for jose to be handed it; jose checks each key itself. */
const KEY_SET = Type.Object({ keys: Type.Array(Type.Object({}, { additionalProperties: true })) });

/**
 * One GET of the set through the services' HTTP client: its deadline covers the whole body, its
 * size cap keeps a broken or hostile issuer from filling our memory, and its outcome is what the
 * `target="user"` timing records. A redirect is not followed (nor is it by jose's own remote key
 * set): the keys come from the URL configured, or the fetch fails naming the status.
 */
async function fetchKeySet(client: HttpClient, url: URL, timeoutMs: number): Promise<JSONWebKeySet> {
  const outcome = await client.request({ method: 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), schema: KEY_SET });
  if (outcome.kind === 'ok') return outcome.body as JSONWebKeySet;
  const asked = `GET ${url.href}`;
  if (outcome.kind === 'rejected') throw new Error(`${asked} ${describeAnswer(outcome.status, outcome.code)}`);
  switch (outcome.reason) {
    case 'bad-response':
      throw new Error(`${asked} did not answer a JWK set (${outcome.detail})`);
    case 'server-error':
      throw new Error(`${asked} ${describeAnswer(outcome.status!, outcome.code)}`);
    case 'timeout':
      throw new Error(`${asked}: no complete answer within ${timeoutMs} ms`);
    case 'connection':
      throw new Error(`${asked}: ${outcome.code}`);
  }
}
