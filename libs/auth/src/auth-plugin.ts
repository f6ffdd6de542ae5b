import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { TOKEN_ALGORITHMS } from './algorithms.ts';
import { AuthInvalidTokenError, AuthKeysUnavailableError, AuthMissingTokenError } from './errors.ts';

export interface AuthenticatedUser {
  id: string;
}

export interface AuthPluginOptions {
  issuer: string;
  audience: string;
  /** The user service's JWKS URL (keys fetched once and cached), or a key resolver of its own. */
  keys: URL | JWTVerifyGetKey;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** onRequest hook for routes that need a signed-in user: `{ onRequest: app.authenticate }`. */
    authenticate(request: FastifyRequest, reply: FastifyReply): Promise<void>;
  }
  interface FastifyRequest {
    /** Set by `app.authenticate`; only routes using it may read it. */
    user: AuthenticatedUser;
  }
}

/** RFC 6750: the scheme is case-insensitive; whatever follows is the token, judged by jose. */
const BEARER = /^Bearer +(\S+) *$/i;

/** Problems on our side of fetching keys: the token may be fine, so it is a 503, not a 401. */
const KEY_FETCH_FAILURES = new Set(['ERR_JWKS_TIMEOUT', 'ERR_JWKS_INVALID']);

async function auth(app: FastifyInstance, options: AuthPluginOptions): Promise<void> {
  const keys = options.keys instanceof URL ? createRemoteJWKSet(options.keys, { timeoutDuration: 2000 }) : options.keys;
  const verifyOptions = {
    issuer: options.issuer,
    audience: options.audience,
    algorithms: [...TOKEN_ALGORITHMS],
    requiredClaims: ['sub', 'exp', 'iat'],
    clockTolerance: 5,
  };

  app.decorateRequest('user', null as unknown as AuthenticatedUser);
  app.decorate('authenticate', async (request: FastifyRequest, reply: FastifyReply) => {
    const token = BEARER.exec(request.headers.authorization ?? '')?.[1];
    if (!token) {
      reply.header('www-authenticate', 'Bearer realm="myshop"');
      throw new AuthMissingTokenError();
    }
    try {
      const { payload } = await jwtVerify(token, keys, verifyOptions);
      request.user = { id: String(payload.sub) };
    } catch (error) {
      if (error instanceof errors.JOSEError && !KEY_FETCH_FAILURES.has(error.code)) {
        request.log.info({ reason: error.code }, 'rejected access token');
        reply.header('www-authenticate', 'Bearer realm="myshop", error="invalid_token"');
        throw new AuthInvalidTokenError();
      }
      request.log.warn({ err: error }, 'token keys unavailable');
      throw new AuthKeysUnavailableError();
    }
  });
}

export const authPlugin = fp(auth, { name: '@myshop/auth', fastify: '5.x' });
