import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { errors, type JWTVerifyGetKey } from 'jose';
import type { Registry } from 'prom-client';
import { accessTokenVerifyOptions } from './access-token-checks.ts';
import {
  AuthForbiddenError,
  AuthInvalidRequestError,
  AuthInvalidTokenError,
  AuthKeysUnavailableError,
  AuthMissingTokenError,
  INVALID_REQUEST_CHALLENGE,
  INVALID_TOKEN_CHALLENGE,
} from './errors.ts';
import { authorizationHeaderCount } from './authorization-header-count.ts';
import { createRemoteKeySet, KeySetUnavailableError } from './remote-key-set.ts';
import type { Principal } from './token-contract.ts';
import { createTokenVerifier } from './token-verifier.ts';

export type AuthenticatedUser = Principal;

export interface AuthPluginOptions {
  issuer: string;
  /** The audience of shoppers' tokens: the public API (JWT_AUDIENCE). */
  audience: string;
  /** This service's own audience, for tokens other services obtain to call it; unset: it accepts none. */
  serviceAudience?: string;
  /** The user service's JWKS URL (kept and refreshed, see createRemoteKeySet), or a key resolver of its own. */
  keys: URL | JWTVerifyGetKey;
  /** The app's metrics registry, where fetches of a JWKS URL are timed (see createRemoteKeySet). */
  metricsRegistry?: Registry;
  /** Most tokens kept verified at once, each until it expires (token-verifier.ts); 0 verifies every request in full. */
  verifiedTokenCacheSize?: number;
}

/** What a route asks of its caller's token, beyond being valid for this service. */
export interface AccessPolicy {
  /** A service token for this service's own audience carrying this scope (a shopper's token is refused). */
  serviceScope?: string;
  /** A shopper's token whose user holds this role. */
  role?: string;
}

type Hook = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

declare module 'fastify' {
  interface FastifyInstance {
    /** onRequest hook for routes of a signed-in shopper: `{ onRequest: app.authenticate }`. */
    authenticate: Hook;
    /** onRequest hook for routes with a policy: `{ onRequest: app.authorize({ role: 'operator' }) }`. */
    authorize(policy: AccessPolicy): Hook;
  }
  interface FastifyRequest {
    /** Set by `app.authenticate` / `app.authorize`; only routes using them may read it. */
    user: AuthenticatedUser;
  }
}

/** RFC 6750: the scheme is case-insensitive; whatever follows is the token, judged by jose. */
const BEARER = /^Bearer +(\S+) *$/i;
const BEARER_WITH_SOMETHING = /^Bearer +\S/i;

/** About 10 MB at most: more than the shoppers signed in on one replica within a token's life. */
const DEFAULT_VERIFIED_TOKEN_CACHE_SIZE = 10_000;

async function auth(app: FastifyInstance, options: AuthPluginOptions): Promise<void> {
  const jwksUrl = options.keys instanceof URL ? options.keys.href : undefined;
  const remoteKeys =
    options.keys instanceof URL
      ? createRemoteKeySet(options.keys, {
          onRefreshError: (error) => app.log.warn({ err: error }, 'token keys refresh failed; keeping the last keys'),
          metricsRegistry: options.metricsRegistry,
        })
      : undefined;
  const keys = remoteKeys ?? (options.keys as JWTVerifyGetKey);
  const audiences = [options.audience, ...(options.serviceAudience ? [options.serviceAudience] : [])];
  // Any audience of this service; which one decides what the token may do (see `authorize`).
  const verifyOptions = accessTokenVerifyOptions(options.issuer, audiences);
  const verifyToken = createTokenVerifier({
    keys,
    verifyOptions,
    cacheSize: options.verifiedTokenCacheSize ?? DEFAULT_VERIFIED_TOKEN_CACHE_SIZE,
  });

  async function verify(request: FastifyRequest, reply: FastifyReply) {
    // Node keeps the first of several Authorization headers and drops the rest unseen: counted
    // from the raw lines, so a second credential is refused rather than silently ignored.
    if (authorizationHeaderCount(request.raw.rawHeaders) > 1) {
      reply.header('www-authenticate', INVALID_REQUEST_CHALLENGE);
      throw new AuthInvalidRequestError();
    }
    const authorization = request.headers.authorization ?? '';
    const token = BEARER.exec(authorization)?.[1];
    if (!token) {
      // `Bearer a b`: a token was sent, in no shape a token has; not a missing one.
      if (BEARER_WITH_SOMETHING.test(authorization)) {
        reply.header('www-authenticate', INVALID_TOKEN_CHALLENGE);
        throw new AuthInvalidTokenError();
      }
      reply.header('www-authenticate', 'Bearer realm="myshop"');
      throw new AuthMissingTokenError();
    }
    try {
      return await verifyToken(token);
    } catch (error) {
      // Our side could not get the keys: the token may be fine, so it is a 503, not a 401.
      if (error instanceof KeySetUnavailableError) {
        request.log.warn({ err: error }, 'token keys unavailable');
        throw new AuthKeysUnavailableError();
      }
      if (!(error instanceof errors.JOSEError)) throw error;
      request.log.info({ reason: error.code }, 'rejected access token');
      reply.header('www-authenticate', INVALID_TOKEN_CHALLENGE);
      throw new AuthInvalidTokenError();
    }
  }

  function forbid(reply: FastifyReply, message: string, scope?: string): never {
    reply.header('www-authenticate', `Bearer realm="myshop", error="insufficient_scope"${scope ? `, scope="${scope}"` : ''}`);
    throw new AuthForbiddenError(message);
  }

  const authorize = (policy: AccessPolicy): Hook => {
    const serviceAudience = options.serviceAudience;
    if (policy.serviceScope && !serviceAudience) throw new Error('a service scope needs the serviceAudience option');
    return async (request, reply) => {
      const { principal, audiences: tokenAudiences } = await verify(request, reply);
      const forService = serviceAudience !== undefined && tokenAudiences.includes(serviceAudience);
      if (policy.serviceScope) {
        if (!forService) forbid(reply, 'This route is for services: a token for this service is required', policy.serviceScope);
        if (!principal.scopes.includes(policy.serviceScope))
          forbid(reply, `The token lacks the scope ${policy.serviceScope}`, policy.serviceScope);
      } else {
        // Shopper routes take tokens for the public API only: a service token is not a shopper.
        if (!tokenAudiences.includes(options.audience)) forbid(reply, 'This route takes a signed-in user’s token');
        if (policy.role && !principal.roles.includes(policy.role)) forbid(reply, `This route needs the ${policy.role} role`);
      }
      request.user = principal;
    };
  };

  app.decorateRequest('user', null as unknown as AuthenticatedUser);
  app.decorate('authorize', authorize);
  app.decorate('authenticate', authorize({}));
  // Start-up fetches the keys, so the first signed-in request does not wait for them; a user
  // service that is not up yet is no reason to fail the start (the next request fetches again).
  // Expected while services start together, so one line says it: no stack.
  if (remoteKeys) {
    app.addHook('onReady', async () => {
      await remoteKeys.refresh().catch((error: unknown) => {
        const failure = describeFailure(error);
        // A failed GET names its address already (`GET …/jwks.json answered 503`): once is enough.
        const from = jwksUrl && !failure.includes(jwksUrl) ? ` from ${jwksUrl}` : '';
        app.log.warn({ jwksUrl }, `token keys not fetched at start (${failure})${from}; fetching again on first use`);
      });
    });
    app.addHook('onClose', () => remoteKeys.close());
  }
}

/** `GET …/jwks.json: ECONNREFUSED`: the error's message and its causes', without stacks. */
function describeFailure(error: unknown): string {
  const messages: string[] = [];
  for (let current = error; current instanceof Error && messages.length < 3; current = current.cause) messages.push(current.message);
  return messages.join(': ');
}

export const authPlugin = fp(auth, { name: '@myshop/auth', fastify: '5.x' });
