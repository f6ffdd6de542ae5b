import { randomUUID } from 'node:crypto';
import { ACCESS_TOKEN_TYPE, SHOP_CLIENT_ID } from '@myshop/auth';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { createLocalJWKSet, SignJWT, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { UserConfig } from '../config.ts';
import { loadSigningKeys, type SigningKeys } from '../signing-keys.ts';

export interface AccessToken {
  accessToken: string;
  /** Seconds until it expires. */
  expiresIn: number;
}

/** What a service token says (see @myshop/auth's token contract). */
export interface ServiceTokenRequest {
  clientId: string;
  audience: string;
  scopes: string[];
  /** The user it acts for (token exchange), or none: the service acts as itself. */
  onBehalfOf?: { userId: string; expiresAt: number };
}

declare module 'fastify' {
  interface FastifyInstance {
    tokens: {
      /** A shopper's access token, with the roles the account holds. */
      issue(user: { id: string; roles: readonly string[] }): Promise<AccessToken>;
      /** A token for one service to call another, as itself or on behalf of a user. */
      issueForService(request: ServiceTokenRequest): Promise<AccessToken>;
      /** The public keys, served at /user/.well-known/jwks.json. */
      jwks: SigningKeys['jwks'];
      /** Verifies our own tokens without a round trip to our own JWKS endpoint. */
      keySet: JWTVerifyGetKey;
    };
  }
}

/** Signs every access token of the shop, typed `at+jwt` (RFC 9068). */
async function signingKey(app: FastifyInstance, { config }: { config: UserConfig }): Promise<void> {
  const keys = await loadSigningKeys(config);
  app.log.info({ kid: keys.kid, published: keys.jwks.keys.map((key) => key.kid) }, 'token signing key loaded');

  // `iat` is the second the lifetime was counted from: read once, so a token never lives a
  // second less than its TTL when the clock ticks over between the two.
  const sign = (claims: JWTPayload, issuedAt: number, expiresAt: number) =>
    new SignJWT({ ...claims, jti: randomUUID() })
      .setProtectedHeader({ alg: keys.alg, kid: keys.kid, typ: ACCESS_TOKEN_TYPE })
      .setIssuer(config.JWT_ISSUER)
      .setIssuedAt(issuedAt)
      .setExpirationTime(expiresAt)
      .sign(keys.privateKey);
  const now = () => Math.floor(Date.now() / 1000);

  app.decorate('tokens', {
    jwks: keys.jwks,
    keySet: createLocalJWKSet(keys.jwks),
    async issue(user) {
      const ttl = config.ACCESS_TOKEN_TTL_SECONDS;
      const claims = {
        sub: user.id,
        aud: config.JWT_AUDIENCE,
        client_id: SHOP_CLIENT_ID,
        ...(user.roles.length > 0 ? { roles: [...user.roles] } : {}),
      };
      const issuedAt = now();
      return { accessToken: await sign(claims, issuedAt, issuedAt + ttl), expiresIn: ttl };
    },
    async issueForService({ clientId, audience, scopes, onBehalfOf }) {
      // Acting for a user, it never outlives the user's own token.
      const issuedAt = now();
      const expiresAt = Math.min(issuedAt + config.SERVICE_TOKEN_TTL_SECONDS, onBehalfOf?.expiresAt ?? Number.POSITIVE_INFINITY);
      const claims = {
        sub: onBehalfOf?.userId ?? clientId,
        aud: audience,
        client_id: clientId,
        scope: scopes.join(' '),
        ...(onBehalfOf ? { act: { sub: clientId } } : {}),
      };
      return { accessToken: await sign(claims, issuedAt, expiresAt), expiresIn: Math.max(0, expiresAt - issuedAt) };
    },
  });
}

export const signingKeyPlugin = fp(signingKey, { name: 'signing-key', fastify: '5.x' });
