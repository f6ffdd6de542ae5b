import { createHmac, generateKeyPairSync, KeyObject, randomUUID, type webcrypto } from 'node:crypto';
import { ACCESS_TOKEN_TYPE } from '../token-contract.ts';
import { exportJWK, SignJWT, type JWTPayload } from 'jose';

/** What signs a service's real tokens: forgeries start from it. */
export interface TokenSigner {
  privateKey: KeyObject | webcrypto.CryptoKey;
  alg: 'EdDSA' | 'ES256';
  kid: string;
  /** The public key as verifiers get it, for the HS256 key-confusion forgeries. */
  publicKey: KeyObject | webcrypto.CryptoKey;
  issuer: string;
  audience: string;
}

export interface ForgedToken {
  /** What is wrong with it, e.g. `alg none`. */
  name: string;
  token: string;
}

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

function unsigned(header: object, payload: object): string {
  return `${b64(header)}.${b64(payload)}`;
}

/**
 * Tokens for `subject` that every verifier must refuse with 401, each wrong in one way: no
 * signature (`alg: none`), an HMAC keyed with the public key, the wrong issuer or audience (also
 * one minted for another service), not typed as an access token, expired, without `exp` or
 * `jti` or `sub`, not valid yet, a payload changed after signing, a `kid` the key set does not have
 * (signed with another key, or with the real key under another name) or none at all, and, signed with the real
 * key, issued in the future or longer ago than a token lives, or naming a subject no id can be
 * (a NUL, half a surrogate pair, a number).
 */
export async function forgedTokens(signer: TokenSigner, subject: string): Promise<ForgedToken[]> {
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    sub: subject,
    iss: signer.issuer,
    aud: signer.audience,
    iat: now,
    exp: now + 600,
    jti: randomUUID(),
    client_id: 'myshop',
  };
  const header = { alg: signer.alg, kid: signer.kid, typ: ACCESS_TOKEN_TYPE };
  const sign = (payload: JWTPayload, protectedHeader: object = header, key = signer.privateKey) =>
    new SignJWT(payload).setProtectedHeader(protectedHeader as { alg: string }).sign(key);
  const hmac = (secret: string | Buffer) => {
    const input = unsigned({ alg: 'HS256', kid: signer.kid, typ: ACCESS_TOKEN_TYPE }, claims);
    return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
  };
  const publicJwk = await exportJWK(signer.publicKey);
  const publicKey = signer.publicKey instanceof KeyObject ? signer.publicKey : KeyObject.from(signer.publicKey);
  const publicPem = String(publicKey.export({ type: 'spki', format: 'pem' }));
  const valid = await sign(claims);
  const [validHeader, , validSignature] = valid.split('.');
  const stranger = generateKeyPairSync('ed25519');

  return [
    { name: 'alg none', token: `${unsigned({ alg: 'none', typ: ACCESS_TOKEN_TYPE, kid: signer.kid }, claims)}.` },
    {
      name: 'alg none, signature kept',
      token: `${unsigned({ alg: 'none', typ: ACCESS_TOKEN_TYPE, kid: signer.kid }, claims)}.${validSignature}`,
    },
    { name: 'HS256 keyed with the public key (PEM)', token: hmac(publicPem) },
    { name: 'HS256 keyed with the public key (JWK)', token: hmac(JSON.stringify(publicJwk)) },
    { name: 'wrong iss', token: await sign({ ...claims, iss: 'https://evil.example/user' }) },
    { name: 'wrong aud', token: await sign({ ...claims, aud: 'someone-else' }) },
    // Minted for another service of the shop (cart's calls to payment): refused by every other.
    {
      name: 'aud of a service token for another service',
      token: await sign({ ...claims, aud: 'another-service', act: { sub: 'cart' }, scope: 'payment:charge' }),
    },
    { name: 'typ JWT, not an access token', token: await sign(claims, { ...header, typ: 'JWT' }) },
    { name: 'no typ', token: await sign(claims, { alg: signer.alg, kid: signer.kid }) },
    { name: 'missing jti', token: await sign({ ...claims, jti: undefined }) },
    { name: 'expired', token: await sign({ ...claims, iat: now - 7200, exp: now - 3600 }) },
    { name: 'missing exp', token: await sign({ sub: claims.sub, iss: claims.iss, aud: claims.aud, iat: claims.iat, jti: claims.jti }) },
    // Naming no one: a verifier that read the id without requiring it would call the user "undefined".
    { name: 'missing sub', token: await sign({ ...claims, sub: undefined }) },
    { name: 'future nbf', token: await sign({ ...claims, nbf: now + 3600 }) },
    { name: 'future iat', token: await sign({ ...claims, iat: now + 3600, exp: now + 7200 }) },
    { name: 'issued more than a day ago', token: await sign({ ...claims, iat: now - 86_400 - 60 }) },
    { name: 'sub with a NUL', token: await sign({ ...claims, sub: `${subject}\u0000` }) },
    { name: 'sub with half a surrogate pair', token: await sign({ ...claims, sub: `${subject}\ud800` }) },
    { name: 'sub a number', token: await sign({ ...claims, sub: 42 as unknown as string }) },
    { name: 'tampered payload', token: `${validHeader}.${b64({ ...claims, sub: randomUUID() })}.${validSignature}` },
    { name: 'unknown kid', token: await sign(claims, { ...header, alg: 'EdDSA', kid: randomUUID() }, stranger.privateKey) },
    { name: 'unknown kid, real key', token: await sign(claims, { ...header, kid: `${signer.kid}-rotated` }) },
    // Our tokens always name their key: a kid-less one would pass while the set holds one key
    // and fail once a rotation publishes two.
    { name: 'no kid, real key', token: await sign(claims, { alg: signer.alg, typ: ACCESS_TOKEN_TYPE }) },
  ];
}
