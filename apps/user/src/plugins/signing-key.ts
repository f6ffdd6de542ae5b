import { createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { calculateJwkThumbprint, createLocalJWKSet, exportJWK, SignJWT, type JWTVerifyGetKey } from 'jose';
import type { Static } from 'typebox';
import type { UserConfig } from '../config.ts';
import type { JsonWebKeySet } from '../schemas.ts';

export interface AccessToken {
  accessToken: string;
  expiresIn: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    tokens: {
      issue(userId: string): Promise<AccessToken>;
      /** The public half, served at /user/.well-known/jwks.json. */
      jwks: Static<typeof JsonWebKeySet>;
      /** Verifies our own tokens without a round trip to our own JWKS endpoint. */
      keySet: JWTVerifyGetKey;
    };
  }
}

/**
 * Loads the token signing key from the Secret (JWT_PRIVATE_KEY). Outside production, with no key
 * configured, one is generated once and kept under DATA_DIR, so tokens outlive a restart and all
 * local replicas sign with the same key.
 */
async function signingKey(app: FastifyInstance, { config }: { config: UserConfig }): Promise<void> {
  const privateKey = createPrivateKey(config.JWT_PRIVATE_KEY ?? developmentKey(join(config.DATA_DIR, 'user', 'jwt-signing-key.pem')));
  const alg = privateKey.asymmetricKeyType === 'ed25519' ? 'EdDSA' : 'ES256';
  const publicJwk = await exportJWK(createPublicKey(privateKey));
  // The thumbprint names the key: it changes exactly when the key does.
  const kid = await calculateJwkThumbprint(publicJwk);
  const jwks = { keys: [{ kty: publicJwk.kty ?? 'OKP', crv: publicJwk.crv, x: publicJwk.x, y: publicJwk.y, kid, alg, use: 'sig' }] };

  app.decorate('tokens', {
    jwks,
    keySet: createLocalJWKSet(jwks),
    issue: async (userId: string) => ({
      accessToken: await sign(privateKey, alg, kid, userId, config),
      expiresIn: config.ACCESS_TOKEN_TTL_SECONDS,
    }),
  });
}

function sign(privateKey: KeyObject, alg: string, kid: string, userId: string, config: UserConfig): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg, kid, typ: 'JWT' })
    .setSubject(userId)
    .setIssuer(config.JWT_ISSUER)
    .setAudience(config.JWT_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${config.ACCESS_TOKEN_TTL_SECONDS}s`)
    .setJti(randomUUID())
    .sign(privateKey);
}

function developmentKey(path: string): string {
  mkdirSync(dirname(path), { recursive: true });
  const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const draft = `${path}.${process.pid}.tmp`;
  writeFileSync(draft, pem, { mode: 0o600 });
  try {
    // link() publishes a complete file or fails if one exists: when replicas start together,
    // the first one's key wins and the others read it, never half of it.
    linkSync(draft, path);
    return pem;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return readFileSync(path, 'utf8');
  } finally {
    unlinkSync(draft);
  }
}

export const signingKeyPlugin = fp(signingKey, { name: 'signing-key', fastify: '5.x' });
