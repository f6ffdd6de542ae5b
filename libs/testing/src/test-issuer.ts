import { randomUUID } from 'node:crypto';
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { TokenSigner } from './forged-tokens.ts';

export interface TestIssuer {
  issuer: string;
  audience: string;
  /** What the auth plugin verifies with: this issuer's public keys. */
  keys: JWTVerifyGetKey;
  /** A valid access token for `userId`; `claims` override the defaults (iss, aud, jti, nbf…). */
  sign(userId: string, options?: { claims?: JWTPayload; expiresIn?: string | number }): Promise<string>;
  /** Its key pair and kid, for forging tokens (`forgedTokens`). */
  signer: TokenSigner;
}

/** Stands in for the user service when a test of another service needs signed-in users. */
export async function createTestIssuer(issuer = 'https://myshop.com/user', audience = 'myshop'): Promise<TestIssuer> {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  const kid = randomUUID();
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'EdDSA', use: 'sig' };
  return {
    issuer,
    audience,
    signer: { privateKey, publicKey, alg: 'EdDSA', kid, issuer, audience },
    keys: createLocalJWKSet({ keys: [jwk] }),
    sign: (userId, options = {}) =>
      // Defaults first, then the test's own claims: a test can forge any of them.
      new SignJWT({ sub: userId, iss: issuer, aud: audience, jti: randomUUID(), ...options.claims })
        .setProtectedHeader({ alg: 'EdDSA', kid })
        .setIssuedAt()
        .setExpirationTime(options.expiresIn ?? '15m')
        .sign(privateKey),
  };
}
