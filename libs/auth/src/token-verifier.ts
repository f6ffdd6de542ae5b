import {
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
  type JWTVerifyOptions,
  type JWTVerifyResult,
  type ResolvedKey,
  type FlattenedJWSInput,
} from 'jose';
import { LRUCache } from 'lru-cache';
import { MAX_ACCESS_TOKEN_AGE_SECONDS, refuseMalformedIdentifiers, requireKeyId } from './access-token-checks.ts';
import type { Principal } from './token-contract.ts';

/** What a verified access token says: who calls, and which of our audiences it was issued for. */
export interface VerifiedToken {
  principal: Principal;
  audiences: string[];
}

type VerifySignature = (token: string, keys: JWTVerifyGetKey, options: JWTVerifyOptions) => Promise<JWTVerifyResult & ResolvedKey>;

export interface TokenVerifierOptions {
  keys: JWTVerifyGetKey;
  verifyOptions: JWTVerifyOptions;
  /** Most tokens kept verified at once (least recently used go first); 0 keeps none. */
  cacheSize: number;
  /** jose's jwtVerify; a test passes one that counts. */
  verifySignature?: VerifySignature;
}

interface Verified {
  token: VerifiedToken;
  /** When the token expires (`exp`), in ms: it is never served from the cache from then on. */
  expiresAtMs: number;
  header: Parameters<JWTVerifyGetKey>[0];
  parts: FlattenedJWSInput;
  /** The key its signature was verified with. */
  key: unknown;
}

/**
 * Verifies access tokens, each one's signature once per process while it is live: a token seen
 * before is answered from a bounded cache keyed by the whole token string, so a token differing
 * in any character (a tampered one) is a different entry, verified in full. An entry lasts until
 * the token's `exp`, and is used only while the key set still gives the same key for it: a key
 * withdrawn from the JWKS (rotation's last step, or a compromised key) refuses the tokens it
 * signed at once, through the full verification, as without the cache. The key set is still
 * asked on every request, so it keeps refreshing itself as before. Nothing else about a token
 * changes while it lives (the services keep no revocation list; roles change at the next login).
 */
export function createTokenVerifier({
  keys,
  verifyOptions,
  cacheSize,
  verifySignature = jwtVerify as VerifySignature,
}: TokenVerifierOptions) {
  const cache = cacheSize > 0 ? new LRUCache<string, Verified>({ max: cacheSize }) : undefined;
  const namedKeys = requireKeyId(keys);

  async function verifyInFull(token: string): Promise<VerifiedToken> {
    const { payload, protectedHeader, key } = await verifySignature(token, namedKeys, verifyOptions);
    refuseMalformedIdentifiers(payload);
    // jwtVerify checked that `aud` names one of our audiences, and required `exp` and `iat`.
    const verified = Object.freeze({
      principal: principalOf(payload),
      audiences: Object.freeze([payload.aud as string | string[]].flat()),
    }) as VerifiedToken;
    // Kept no longer than the full verification would pass it: until `exp`, or its maximum age.
    const expiresAtMs = Math.min(payload.exp as number, (payload.iat as number) + MAX_ACCESS_TOKEN_AGE_SECONDS) * 1000;
    const ttl = expiresAtMs - Date.now();
    if (cache && ttl > 0) {
      const [protectedPart = '', payloadPart = '', signature = ''] = token.split('.');
      cache.set(
        token,
        {
          token: verified,
          expiresAtMs,
          header: protectedHeader,
          parts: { protected: protectedPart, payload: payloadPart, signature },
          key,
        },
        { ttl },
      );
    }
    return verified;
  }

  return async function verify(token: string): Promise<VerifiedToken> {
    const cached = cache?.get(token);
    if (!cached) return verifyInFull(token);
    if (Date.now() >= cached.expiresAtMs) {
      cache!.delete(token);
      return verifyInFull(token);
    }
    // The same key as when it was verified, or the full verification (and its answer) decides.
    const key = await Promise.resolve(keys(cached.header, cached.parts)).catch(() => undefined);
    if (key !== cached.key) {
      cache!.delete(token);
      return verifyInFull(token);
    }
    return cached.token;
  };
}

function principalOf(payload: JWTPayload): Principal {
  const roles = Array.isArray(payload.roles) ? payload.roles.filter((role): role is string => typeof role === 'string') : [];
  const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : [];
  const act = payload.act as { sub?: unknown } | undefined;
  // Frozen: one principal serves every request that presents the token.
  return Object.freeze({
    id: String(payload.sub),
    roles: Object.freeze(roles),
    scopes: Object.freeze(scopes),
    ...(typeof act?.sub === 'string' ? { actor: act.sub } : {}),
    ...(typeof payload.client_id === 'string' ? { clientId: payload.client_id } : {}),
  });
}
