import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fingerprintKey } from '../src/fingerprint-key.ts';

describe('fingerprintKey', () => {
  it('uses the configured key', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'myshop-payment-key-'));

    expect(fingerprintKey({ IDEMPOTENCY_FINGERPRINT_KEY: 'k'.repeat(32), DATA_DIR: dataDir })).toBe('k'.repeat(32));
  });

  it('without one, generates a key once under DATA_DIR that every replica then shares', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'myshop-payment-key-'));

    const first = fingerprintKey({ DATA_DIR: dataDir });
    const second = fingerprintKey({ DATA_DIR: dataDir });

    expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(second).toBe(first);
    const file = join(dataDir, 'payment', 'idempotency-fingerprint.key');
    expect(readFileSync(file, 'utf8')).toBe(first);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });
});
