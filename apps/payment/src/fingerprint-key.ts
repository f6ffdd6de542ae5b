import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { developmentSecret } from '@myshop/config';
import type { PaymentConfig } from './config.ts';

/**
 * The HMAC key of request fingerprints: IDEMPOTENCY_FINGERPRINT_KEY (a Secret) in production.
 * Outside production, with none configured, one is generated once under DATA_DIR, so every
 * local replica fingerprints alike and a retry on another replica is still recognised.
 */
export function fingerprintKey(config: Pick<PaymentConfig, 'IDEMPOTENCY_FINGERPRINT_KEY' | 'DATA_DIR'>): string {
  return (
    config.IDEMPOTENCY_FINGERPRINT_KEY ??
    developmentSecret(join(config.DATA_DIR, 'payment', 'idempotency-fingerprint.key'), () => randomBytes(32).toString('base64url'))
  );
}
