import { ConfigError } from '@myshop/config';
import { describe, expect, it } from 'vitest';
import { loadCartConfig } from '../src/config.ts';

describe('loadCartConfig', () => {
  it('defaults to the Kubernetes payment Service, a 5 s payment deadline and USD', () => {
    const config = loadCartConfig({});
    expect(config).toMatchObject({
      PAYMENT_URL: 'http://payment-service',
      PAYMENT_TIMEOUT_MS: 5000,
      CURRENCY: 'USD',
      JWKS_URL: 'http://user-service/user/.well-known/jwks.json',
      JWT_ISSUER: 'https://myshop.com/user',
      JWT_AUDIENCE: 'myshop',
    });
  });

  it('reads its own keys from the environment', () => {
    const config = loadCartConfig({ PAYMENT_URL: 'https://payments.internal:8443/', PAYMENT_TIMEOUT_MS: '750', CURRENCY: 'EUR' });
    expect(config).toMatchObject({ PAYMENT_URL: 'https://payments.internal:8443/', PAYMENT_TIMEOUT_MS: 750, CURRENCY: 'EUR' });
  });

  it('requires DATABASE_URL and the client secret in production', () => {
    expect(() => loadCartConfig({ NODE_ENV: 'production' })).toThrow(ConfigError);
    expect(() => loadCartConfig({ NODE_ENV: 'production' })).toThrow(/DATABASE_URL: is required in production/);
    expect(() => loadCartConfig({ NODE_ENV: 'production' })).toThrow(/CLIENT_SECRET: is required in production/);
    const secret = 'a-client-secret-of-at-least-32-characters';
    expect(loadCartConfig({ NODE_ENV: 'production', DATABASE_URL: 'postgres://db/cart', CLIENT_SECRET: secret }).NODE_ENV).toBe(
      'production',
    );
  });

  it.each([
    ['PAYMENT_URL', 'ftp://payment-service'],
    ['TOKEN_URL', 'ftp://user-service/user/oauth/token'],
    // Cart would call without them: refused rather than silently dropped.
    ['PAYMENT_URL', 'http://cart:hunter2@payment-service'],
    ['TOKEN_URL', 'http://cart@user-service/user/oauth/token'],
    ['JWKS_URL', 'file:///etc/passwd'],
    ['JWKS_URL', 'mailto:keys@example.com'],
    // Ajv's `uri` format takes these; the URL parser the app hands JWKS_URL to does not.
    ['JWKS_URL', 'http://'],
    ['JWKS_URL', 'http://user-service:99999/user/.well-known/jwks.json'],
    // The audience of the tokens minted for payment: they would be shoppers' tokens here.
    ['JWT_AUDIENCE', 'payment'],
    ['JWT_AUDIENCE', ' '],
    ['JWT_ISSUER', ' '],
    ['JWT_ISSUER', 'https://myshop.com/user '],
    ['CLIENT_SECRET', 'too short'],
    ['REFUND_SYNC_INTERVAL_MS', '-1'],
    ['PAYMENT_TIMEOUT_MS', 'soon'],
    ['PAYMENT_TIMEOUT_MS', '50'],
    ['CURRENCY', 'usd'],
    ['CURRENCY', 'DOLLARS'],
    // Three capitals, but no currency: every price would be labelled with it.
    ['CURRENCY', 'ABC'],
  ])('refuses %s=%s, naming the key', (key, value) => {
    let caught: unknown;
    try {
      loadCartConfig({ [key]: value });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).keys).toEqual([key]);
  });
});

describe('loadCartConfig, a service URL with credentials', () => {
  it('names the key without repeating the password', () => {
    let caught: unknown;
    try {
      loadCartConfig({ PAYMENT_URL: 'https://cart:hunter2@payment-service' });
    } catch (error) {
      caught = error;
    }
    expect((caught as ConfigError).message).toMatch(/PAYMENT_URL: must hold no credentials/);
    expect((caught as ConfigError).message).not.toContain('hunter2');
  });
});
