import { authConfigProperties } from '@myshop/auth';
import { baseConfigProperties, loadConfig } from '@myshop/config';
import { Type, type Static } from 'typebox';

export const CartConfigSchema = Type.Object({
  ...baseConfigProperties,
  ...authConfigProperties,
  /** The payment service; in Kubernetes its Service name, in `npm start` a local stand-in. */
  PAYMENT_URL: Type.String({ format: 'uri', default: 'http://payment-service' }),
  /** Longest a charge may take (connect, answer and body); past it checkout answers 503 and may be retried. */
  PAYMENT_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 60_000, default: 5000 }),
  /** The shop's one currency (ISO 4217): catalogue prices are minor units of it. */
  CURRENCY: Type.String({ pattern: '^[A-Z]{3}$', default: 'USD' }),
});

export type CartConfig = Static<typeof CartConfigSchema>;

export function loadCartConfig(env: NodeJS.ProcessEnv = process.env): CartConfig {
  return loadConfig(CartConfigSchema, {
    env,
    refine: (config) => {
      const problems: Array<[string, string]> = [];
      if (config.NODE_ENV === 'production' && !config.DATABASE_URL) {
        problems.push(['DATABASE_URL', 'is required in production']);
      }
      if (!isHttpUrl(config.PAYMENT_URL)) problems.push(['PAYMENT_URL', 'must be an http:// or https:// URL']);
      return problems;
    },
  });
}

function isHttpUrl(value: string): boolean {
  const url = URL.parse(value);
  return url?.protocol === 'http:' || url?.protocol === 'https:';
}
