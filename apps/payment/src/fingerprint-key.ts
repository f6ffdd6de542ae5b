import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { PaymentConfig } from './config.ts';

/**
 * The HMAC key of request fingerprints: IDEMPOTENCY_FINGERPRINT_KEY (a Secret) in production.
 * Outside production, with none configured, one is generated once under DATA_DIR, so every
 * local replica fingerprints alike and a retry on another replica is still recognised.
 */
export function fingerprintKey(config: Pick<PaymentConfig, 'IDEMPOTENCY_FINGERPRINT_KEY' | 'DATA_DIR'>): string {
  return config.IDEMPOTENCY_FINGERPRINT_KEY ?? developmentKey(join(config.DATA_DIR, 'payment', 'idempotency-fingerprint.key'));
}

function developmentKey(path: string): string {
  mkdirSync(dirname(path), { recursive: true });
  const key = randomBytes(32).toString('base64url');
  const draft = `${path}.${process.pid}.tmp`;
  writeFileSync(draft, key, { mode: 0o600 });
  try {
    // link() publishes a complete file or fails if one exists: replicas starting together
    // all end up with the first one's key.
    linkSync(draft, path);
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return readFileSync(path, 'utf8');
  } finally {
    unlinkSync(draft);
  }
}
