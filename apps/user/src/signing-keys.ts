import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { developmentSecret } from '@myshop/config';
import { calculateJwkThumbprint, exportJWK } from 'jose';
import type { Static } from 'typebox';
import type { UserConfig } from './config.ts';
import type { JsonWebKeySet } from './schemas.ts';

export type PublishedKey = Static<typeof JsonWebKeySet>['keys'][number];

/** The key that signs, and every public key a verifier may meet during a rotation. */
export interface SigningKeys {
  privateKey: KeyObject;
  alg: 'EdDSA' | 'ES256';
  kid: string;
  /** Current first, then the next and the previous key, when configured. */
  jwks: { keys: PublishedKey[] };
}

/**
 * The signing key from the Secret (JWT_PRIVATE_KEY), or outside production one generated once
 * under DATA_DIR so tokens outlive a restart and all local replicas sign with the same key. A
 * rotation publishes the next key before it signs and the previous one until its tokens expire
 * (JWT_NEXT_KEY, JWT_PREVIOUS_KEY): verifiers then hold every key a live token can name.
 */
export async function loadSigningKeys(config: UserConfig): Promise<SigningKeys> {
  const privateKey = createPrivateKey(
    config.JWT_PRIVATE_KEY ?? developmentSigningKey(join(config.DATA_DIR, 'user', 'jwt-signing-key.pem')),
  );
  const current = await publish(createPublicKey(privateKey));
  const others = await Promise.all(
    [config.JWT_NEXT_KEY, config.JWT_PREVIOUS_KEY]
      .filter((pem): pem is string => pem !== undefined)
      .map((pem) => publish(createPublicKey(pem))),
  );
  // The same key twice (a rotation step repeated) is published once.
  const keys = [
    current,
    ...others.filter((key, index) => key.kid !== current.kid && others.findIndex((other) => other.kid === key.kid) === index),
  ];
  return { privateKey, alg: current.alg as SigningKeys['alg'], kid: current.kid, jwks: { keys } };
}

async function publish(publicKey: KeyObject): Promise<PublishedKey> {
  const jwk = await exportJWK(publicKey);
  return {
    kty: jwk.kty!,
    crv: jwk.crv,
    x: jwk.x,
    y: jwk.y,
    // The thumbprint names the key: it changes exactly when the key does.
    kid: await calculateJwkThumbprint(jwk),
    alg: publicKey.asymmetricKeyType === 'ed25519' ? 'EdDSA' : 'ES256',
    use: 'sig',
  };
}

function developmentSigningKey(path: string): string {
  return developmentSecret(path, () => generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
}
