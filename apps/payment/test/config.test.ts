import { ConfigError } from '@myshop/config';
import { describe, expect, it } from 'vitest';
import { loadPaymentConfig } from '../src/config.ts';

describe('loadPaymentConfig', () => {
  it('defaults to USD, a 24-hour key lifetime and the user service in the cluster', () => {
    const config = loadPaymentConfig({});

    expect(config).toMatchObject({
      CURRENCY: 'USD',
      IDEMPOTENCY_TTL_HOURS: 24,
      JWKS_URL: 'http://user-service/user/.well-known/jwks.json',
      JWT_ISSUER: 'https://myshop.com/user',
      JWT_AUDIENCE: 'myshop',
      NODE_ENV: 'development',
    });
    expect(config.IDEMPOTENCY_FINGERPRINT_KEY).toBeUndefined();
  });

  it('reads the shop currency and the key lifetime', () => {
    expect(loadPaymentConfig({ CURRENCY: 'EUR', IDEMPOTENCY_TTL_HOURS: '48' })).toMatchObject({
      CURRENCY: 'EUR',
      IDEMPOTENCY_TTL_HOURS: 48,
    });
  });

  it('refuses a CURRENCY of three capitals that ISO 4217 does not list, naming the key', () => {
    expect(() => loadPaymentConfig({ CURRENCY: 'ABC' })).toThrow(expect.objectContaining({ keys: ['CURRENCY'] }));
    expect(loadPaymentConfig({ CURRENCY: 'JPY' }).CURRENCY).toBe('JPY');
  });

  it('names every bad key at once', () => {
    const load = () => loadPaymentConfig({ CURRENCY: 'euro', IDEMPOTENCY_TTL_HOURS: '1', IDEMPOTENCY_FINGERPRINT_KEY: 'short' });

    expect(load).toThrow(ConfigError);
    expect(load).toThrow(expect.objectContaining({ keys: ['CURRENCY', 'IDEMPOTENCY_TTL_HOURS', 'IDEMPOTENCY_FINGERPRINT_KEY'] }));
  });

  it('requires DATABASE_URL and the fingerprint key in production, without echoing values', () => {
    const load = () => loadPaymentConfig({ NODE_ENV: 'production' });

    expect(load).toThrow(expect.objectContaining({ keys: ['DATABASE_URL', 'IDEMPOTENCY_FINGERPRINT_KEY'] }));
    expect(
      loadPaymentConfig({
        NODE_ENV: 'production',
        DATABASE_URL: 'postgres://payment@db/payment',
        IDEMPOTENCY_FINGERPRINT_KEY: 'k'.repeat(32),
      }),
    ).toMatchObject({ NODE_ENV: 'production' });
  });

  // Ajv's `uri` format takes these; the URL parser the app hands JWKS_URL to does not, and the
  // service would stop after its migrations with a bare "Invalid URL".
  it.each(['http://', 'http://:80/user/.well-known/jwks.json', 'http://user-service:99999/user/.well-known/jwks.json'])(
    'refuses JWKS_URL=%s, naming the key',
    (value) => {
      expect(() => loadPaymentConfig({ JWKS_URL: value })).toThrow(expect.objectContaining({ keys: ['JWKS_URL'] }));
    },
  );

  it('refuses JWT_AUDIENCE=payment: every token minted for payment would pass for a shopper’s', () => {
    expect(() => loadPaymentConfig({ JWT_AUDIENCE: 'payment' })).toThrow(expect.objectContaining({ keys: ['JWT_AUDIENCE'] }));
  });
});
