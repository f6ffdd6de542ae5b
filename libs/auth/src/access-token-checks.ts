import { errors, type JWTPayload, type JWTVerifyGetKey, type JWTVerifyOptions } from 'jose';
import { TOKEN_ALGORITHMS } from './algorithms.ts';
import { ACCESS_TOKEN_TYPE } from './token-contract.ts';

/**
 * The longest an access token lives (the most ACCESS_TOKEN_TTL_SECONDS allows). A token issued
 * longer ago is refused whatever its `exp` says, and so is one whose `iat` is in the future.
 */
export const MAX_ACCESS_TOKEN_AGE_SECONDS = 86_400;

/** Replicas' clocks differ a little: a token just issued by one is good at another. */
const CLOCK_TOLERANCE_SECONDS = 5;

/** What jose checks of an access token of ours for one of `audience`, wherever one is verified. */
export function accessTokenVerifyOptions(issuer: string, audience: string | string[]): JWTVerifyOptions {
  return {
    issuer,
    audience,
    algorithms: [...TOKEN_ALGORITHMS],
    typ: ACCESS_TOKEN_TYPE,
    requiredClaims: ['sub', 'exp', 'iat', 'jti'],
    maxTokenAge: MAX_ACCESS_TOKEN_AGE_SECONDS,
    clockTolerance: CLOCK_TOLERANCE_SECONDS,
  };
}

/**
 * An id as the services store and log it: 1–255 characters, none a control character (PostgreSQL
 * refuses a NUL in text, so a `sub` holding one would fail the request's statement with a 500) and
 * none half of a surrogate pair (it would be stored as U+FFFD, another id than the token's).
 */
const IDENTIFIER = /^[^\p{Cc}\p{Cs}]{1,255}$/u;

/**
 * Refuses a verified token whose `sub`, `client_id` or `act.sub` is not such an id. Only a token
 * signed with our own key gets here; it still names no one the database cannot. jose checks that
 * `sub` is there, not that it is a string: `123` or `{}` would become an id by `String`.
 */
export function refuseMalformedIdentifiers(payload: JWTPayload): void {
  // An `act` without a `sub` (`{}`, a string, null) would make a service's token for a user the
  // user's own (no actor): whenever there is an `act`, its sub is checked (null when it has none).
  const actSub = payload.act === undefined ? undefined : ((payload.act as { sub?: unknown } | null)?.sub ?? null);
  const identifiers = { sub: payload.sub, client_id: payload.client_id, 'act.sub': actSub };
  for (const [claim, value] of Object.entries(identifiers)) {
    if (value !== undefined && !(typeof value === 'string' && IDENTIFIER.test(value))) {
      throw new errors.JWTClaimValidationFailed(`"${claim}" claim is not a well-formed identifier`, payload, claim, 'check_failed');
    }
  }
}

/**
 * The key set, asked only for a token whose header names its key (`kid`), as every token the user
 * service signs does. jose would otherwise pick the one key of a single-key set for a kid-less
 * token and refuse the same token once a rotation publishes two: whether it passed would depend
 * on the day.
 */
export function requireKeyId(keys: JWTVerifyGetKey): JWTVerifyGetKey {
  return (header, token) => {
    if (typeof header.kid !== 'string' || header.kid === '') throw new errors.JWSInvalid('the token does not name its key (kid)');
    return keys(header, token);
  };
}
