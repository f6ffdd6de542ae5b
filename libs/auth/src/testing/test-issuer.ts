import { randomUUID } from 'node:crypto';
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type JSONWebKeySet, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { ACCESS_TOKEN_TYPE, OPERATOR_ROLE, SHOP_CLIENT_ID } from '../token-contract.ts';
import type { TokenSigner } from './forged-tokens.ts';

export interface SignOptions {
  /** Claims that override the defaults (iss, aud, jti, nbf…): a test can forge any of them. */
  claims?: JWTPayload;
  expiresIn?: string | number;
}

export interface TestIssuer {
  issuer: string;
  audience: string;
  /** What the auth plugin verifies with: this issuer's public keys. */
  keys: JWTVerifyGetKey;
  /** The public keys as the user service serves them (GET /user/.well-known/jwks.json). */
  jwks: JSONWebKeySet;
  /** A shopper's access token for `userId`, as login issues it. */
  sign(userId: string, options?: SignOptions): Promise<string>;
  /** An operator's access token (role `operator`), as login issues it to a granted account. */
  signOperator(userId: string, options?: SignOptions): Promise<string>;
  /** A service's token for `audience` with `scope`, acting for `userId` (as cart gets at checkout). */
  signService(userId: string, options: SignOptions & { scope: string; audience?: string; actor?: string }): Promise<string>;
  /** A service's token for itself (client credentials), e.g. cart reading payment's refund feed. */
  signClient(clientId: string, options: SignOptions & { scope: string; audience?: string }): Promise<string>;
  /** Its key pair and kid, for forging tokens (`forgedTokens`). */
  signer: TokenSigner;
}

/** Stands in for the user service when a test of another service needs signed-in users or services. */
export async function createTestIssuer(issuer = 'https://myshop.com/user', audience = 'myshop'): Promise<TestIssuer> {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  const kid = randomUUID();
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'EdDSA', use: 'sig' }] };
  const sign = (claims: JWTPayload, options: SignOptions) =>
    // Defaults first, then the test's own claims.
    new SignJWT({ iss: issuer, jti: randomUUID(), ...claims, ...options.claims })
      .setProtectedHeader({ alg: 'EdDSA', kid, typ: ACCESS_TOKEN_TYPE })
      .setIssuedAt()
      .setExpirationTime(options.expiresIn ?? '15m')
      .sign(privateKey);
  return {
    issuer,
    audience,
    jwks,
    signer: { privateKey, publicKey, alg: 'EdDSA', kid, issuer, audience },
    keys: createLocalJWKSet(jwks),
    sign: (userId, options = {}) => sign({ sub: userId, aud: audience, client_id: SHOP_CLIENT_ID }, options),
    signOperator: (userId, options = {}) =>
      sign({ sub: userId, aud: audience, client_id: SHOP_CLIENT_ID, roles: [OPERATOR_ROLE] }, options),
    signService: (userId, { scope, audience: serviceAudience = 'payment', actor = 'cart', ...options }) =>
      sign({ sub: userId, aud: serviceAudience, client_id: actor, act: { sub: actor }, scope }, options),
    signClient: (clientId, { scope, audience: serviceAudience = 'payment', ...options }) =>
      sign({ sub: clientId, aud: serviceAudience, client_id: clientId, scope }, options),
  };
}
