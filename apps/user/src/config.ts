import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { audienceProblems, MAX_ACCESS_TOKEN_AGE_SECONDS } from '@myshop/auth';
import { baseConfigProperties, loadConfig, secret } from '@myshop/config';
import { Type, type Static } from 'typebox';

export const UserConfigSchema = Type.Object({
  ...baseConfigProperties,
  /** PKCS#8 PEM, Ed25519 or P-256: signs every token. Unset outside production: a key generated under DATA_DIR. */
  JWT_PRIVATE_KEY: Type.Optional(secret(Type.String({ minLength: 1 }))),
  /**
   * Key rotation (docs/key-rotation.md): the key that signs next, published before it is used,
   * and the one that signed last, published until its tokens expire. PEM, private or public
   * (only the public half is ever published); neither signs.
   */
  JWT_NEXT_KEY: Type.Optional(secret(Type.String({ minLength: 1 }))),
  JWT_PREVIOUS_KEY: Type.Optional(secret(Type.String({ minLength: 1 }))),
  JWT_ISSUER: Type.String({ minLength: 1, default: 'https://myshop.com/user' }),
  JWT_AUDIENCE: Type.String({ minLength: 1, default: 'myshop' }),
  ACCESS_TOKEN_TTL_SECONDS: Type.Integer({ minimum: 60, maximum: MAX_ACCESS_TOKEN_AGE_SECONDS, default: 900 }),
  /** Lifetime of a service's token (POST /user/oauth/token); one acting for a user never outlives the user's. */
  SERVICE_TOKEN_TTL_SECONDS: Type.Integer({ minimum: 30, maximum: 3600, default: 300 }),
  /** What the cart service authenticates with at the token endpoint. Unset outside production: generated under DATA_DIR. */
  CART_CLIENT_SECRET: Type.Optional(secret(Type.String({ minLength: 32 }))),
  /**
   * Attempt limits against password guessing and sign-up floods, counted in the database, so all
   * replicas share them. An attempt is counted before the password is checked, whatever its outcome.
   */
  RATE_LIMIT_WINDOW_SECONDS: Type.Integer({ minimum: 1, maximum: 86_400, default: 60 }),
  /** Logins from one client address, over all accounts. */
  LOGIN_LIMIT_PER_IP: Type.Integer({ minimum: 1, default: 30 }),
  /** Logins to one account from one address; each time it is exceeded again, the block doubles. */
  LOGIN_LIMIT_PER_ACCOUNT: Type.Integer({ minimum: 1, default: 10 }),
  /** Logins to one account from all addresses that have not signed it up or logged in to it before, together. */
  LOGIN_LIMIT_PER_ACCOUNT_UNKNOWN_ADDRESSES: Type.Integer({ minimum: 1, default: 10 }),
  /** The longest block of the doubling ones (per account and address, per account from unknown addresses). */
  LOGIN_BACKOFF_MAX_SECONDS: Type.Integer({ minimum: 1, maximum: 604_800, default: 3600 }),
  /** How long an address that logged in to an account stays known to it. */
  LOGIN_KNOWN_ADDRESS_DAYS: Type.Integer({ minimum: 1, maximum: 365, default: 30 }),
  REGISTER_LIMIT_PER_IP: Type.Integer({ minimum: 1, default: 20 }),
  /** Sign-ups for one email key (every spelling of one address). */
  REGISTER_LIMIT_PER_ACCOUNT: Type.Integer({ minimum: 1, default: 5 }),
  /**
   * Password hashes and checks a replica has begun and not finished (argon2 on libuv's thread
   * pool); past it, a sign-up or login is 503 SERVICE_OVERLOADED at once instead of queueing.
   * At ~25 ms per hash per core, 32 is under a second of waiting on a core or two.
   */
  PASSWORD_HASHES_MAX_PENDING: Type.Integer({ minimum: 1, maximum: 10_000, default: 32 }),
});

export type UserConfig = Static<typeof UserConfigSchema>;

export function loadUserConfig(env: NodeJS.ProcessEnv = process.env): UserConfig {
  return loadConfig(UserConfigSchema, {
    env,
    requiredInProduction: ['DATABASE_URL', 'JWT_PRIVATE_KEY', 'CART_CLIENT_SECRET'],
    refine: (config) => {
      const problems: Array<[string, string]> = audienceProblems(config);
      if (config.JWT_PRIVATE_KEY && !isSigningKey(config.JWT_PRIVATE_KEY)) {
        problems.push(['JWT_PRIVATE_KEY', 'must be a PKCS#8 PEM Ed25519 or P-256 private key']);
      }
      for (const key of ['JWT_NEXT_KEY', 'JWT_PREVIOUS_KEY'] as const) {
        const pem = config[key];
        if (pem && !isVerificationKey(pem)) problems.push([key, 'must be a PEM Ed25519 or P-256 key (private or public)']);
      }
      if (config.LOGIN_BACKOFF_MAX_SECONDS < config.RATE_LIMIT_WINDOW_SECONDS) {
        problems.push(['LOGIN_BACKOFF_MAX_SECONDS', 'must be at least RATE_LIMIT_WINDOW_SECONDS (the first block lasts one window)']);
      }
      return problems;
    },
  });
}

function isSigningKey(pem: string): boolean {
  try {
    return isSupported(createPrivateKey(pem));
  } catch {
    return false;
  }
}

function isVerificationKey(pem: string): boolean {
  try {
    return isSupported(createPublicKey(pem));
  } catch {
    return false;
  }
}

function isSupported(key: KeyObject): boolean {
  return key.asymmetricKeyType === 'ed25519' || (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1');
}
