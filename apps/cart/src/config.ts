import { authConfigProblems, authConfigProperties } from '@myshop/auth';
import { baseConfigProperties, loadConfig, secret, serviceUrlProblems } from '@myshop/config';
import { currencyProblems } from '@myshop/schemas';
import { Type, type Static } from 'typebox';

export const CartConfigSchema = Type.Object({
  ...baseConfigProperties,
  ...authConfigProperties,
  /** The payment service; in Kubernetes its Service name, in `npm start` a local stand-in. */
  PAYMENT_URL: Type.String({ format: 'uri', default: 'http://payment-service' }),
  /** Longest a charge may take (connect, answer and body); past it checkout answers 503 and may be retried. */
  PAYMENT_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 60_000, default: 5000 }),
  /** The user service's token endpoint, where cart gets its tokens for payment (as itself, or for a shopper). */
  TOKEN_URL: Type.String({ format: 'uri', default: 'http://user-service/user/oauth/token' }),
  /** What cart authenticates with there (client id `cart`). Unset outside production: generated under DATA_DIR. */
  CLIENT_SECRET: Type.Optional(secret(Type.String({ minLength: 32 }))),
  /** How often refunds are read from payment to show on orders (0: never, for tests that want none). */
  REFUND_SYNC_INTERVAL_MS: Type.Integer({ minimum: 0, maximum: 3_600_000, default: 5000 }),
  /**
   * Declined checkouts in a row a shopper may make within CHECKOUT_DECLINE_WINDOW_SECONDS; past
   * them a checkout with a new key is 429 CART_TOO_MANY_DECLINES until the oldest leaves the
   * window. Each decline is an order, a charge at payment and a token exchange: without a bound,
   * one account could test stolen cards, or fill both databases, as fast as it can send.
   */
  CHECKOUT_DECLINES_MAX: Type.Integer({ minimum: 1, default: 10 }),
  CHECKOUT_DECLINE_WINDOW_SECONDS: Type.Integer({ minimum: 1, maximum: 604_800, default: 3600 }),
  /** The shop's one currency (ISO 4217): catalogue prices are minor units of it. */
  CURRENCY: Type.String({ pattern: '^[A-Z]{3}$', default: 'USD' }),
});

export type CartConfig = Static<typeof CartConfigSchema>;

export function loadCartConfig(env: NodeJS.ProcessEnv = process.env): CartConfig {
  return loadConfig(CartConfigSchema, {
    env,
    requiredInProduction: ['DATABASE_URL', 'CLIENT_SECRET'],
    refine: (config) => {
      const problems = authConfigProblems(config);
      const urls = [...serviceUrlProblems('PAYMENT_URL', config.PAYMENT_URL), ...serviceUrlProblems('TOKEN_URL', config.TOKEN_URL)];
      return [...problems, ...urls, ...currencyProblems(config.CURRENCY)];
    },
  });
}
