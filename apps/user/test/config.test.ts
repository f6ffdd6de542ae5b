import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '@myshop/config';
import { loadUserConfig } from '../src/config.ts';

const pem = (type: 'ed25519' | 'ec' | 'rsa') =>
  generateKeyPairSync(
    type as 'ed25519',
    type === 'ec' ? ({ namedCurve: 'P-256' } as never) : type === 'rsa' ? ({ modulusLength: 2048 } as never) : undefined,
  )
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();

describe('loadUserConfig', () => {
  it('needs nothing outside production', () => {
    expect(loadUserConfig({})).toMatchObject({ NODE_ENV: 'development', PORT: 5000, ACCESS_TOKEN_TTL_SECONDS: 900 });
  });

  it('requires a database and a signing key in production, naming both', () => {
    expect(() => loadUserConfig({ NODE_ENV: 'production' })).toThrowError(ConfigError);
    try {
      loadUserConfig({ NODE_ENV: 'production' });
    } catch (error) {
      expect((error as ConfigError).keys).toEqual(['DATABASE_URL', 'JWT_PRIVATE_KEY', 'CART_CLIENT_SECRET']);
    }
  });

  it('takes the next and previous keys of a rotation as private or public PEM, and refuses anything else', () => {
    const next = generateKeyPairSync('ed25519');
    const publicPem = next.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const config = loadUserConfig({ JWT_NEXT_KEY: publicPem, JWT_PREVIOUS_KEY: pem('ec') });
    expect(config.JWT_NEXT_KEY).toBe(publicPem);
    try {
      loadUserConfig({ JWT_NEXT_KEY: 'not a key', JWT_PREVIOUS_KEY: pem('rsa') });
      expect.unreachable();
    } catch (error) {
      expect((error as ConfigError).keys).toEqual(['JWT_NEXT_KEY', 'JWT_PREVIOUS_KEY']);
    }
  });

  it('refuses JWT_AUDIENCE=payment: the tokens it mints for payment would pass for shoppers’ (at /user/me, in an exchange)', () => {
    expect(() => loadUserConfig({ JWT_AUDIENCE: 'payment' })).toThrowError(
      'JWT_AUDIENCE: must not be "payment", the audience of the tokens minted for the payment service',
    );
  });

  it('refuses a back-off cap shorter than the window, since the first block lasts one window', () => {
    expect(loadUserConfig({ RATE_LIMIT_WINDOW_SECONDS: '600', LOGIN_BACKOFF_MAX_SECONDS: '600' })).toMatchObject({
      LOGIN_BACKOFF_MAX_SECONDS: 600,
    });
    expect(() => loadUserConfig({ RATE_LIMIT_WINDOW_SECONDS: '600', LOGIN_BACKOFF_MAX_SECONDS: '300' })).toThrowError(
      'LOGIN_BACKOFF_MAX_SECONDS: must be at least RATE_LIMIT_WINDOW_SECONDS (the first block lasts one window)',
    );
  });

  it('accepts Ed25519 and P-256 keys and refuses others without echoing them', () => {
    const env = {
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://db/user',
      CART_CLIENT_SECRET: 'a-secret-of-at-least-thirty-two-characters',
    };
    expect(loadUserConfig({ ...env, JWT_PRIVATE_KEY: pem('ed25519') }).JWT_PRIVATE_KEY).toContain('PRIVATE KEY');
    expect(loadUserConfig({ ...env, JWT_PRIVATE_KEY: pem('ec') }).JWT_PRIVATE_KEY).toContain('PRIVATE KEY');
    const rsa = pem('rsa');
    try {
      loadUserConfig({ ...env, JWT_PRIVATE_KEY: rsa });
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).toContain('JWT_PRIVATE_KEY: must be a PKCS#8 PEM Ed25519 or P-256 private key');
      expect((error as Error).message).not.toContain(rsa.split('\n')[1]);
    }
  });
});
