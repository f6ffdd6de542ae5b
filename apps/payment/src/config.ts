import { authConfigProblems, authConfigProperties } from '@myshop/auth';
import { baseConfigProperties, loadConfig, secret } from '@myshop/config';
import { currencyProblems } from '@myshop/schemas';
import { Type, type Static } from 'typebox';

export const PaymentConfigSchema = Type.Object({
  ...baseConfigProperties,
  ...authConfigProperties,
  /** The shop's one currency (ISO 4217); a charge in any other is refused. */
  CURRENCY: Type.String({ pattern: '^[A-Z]{3}$', default: 'USD' }),
  /** How long an Idempotency-Key is remembered; clients are promised at least a day. */
  IDEMPOTENCY_TTL_HOURS: Type.Integer({ minimum: 24, maximum: 720, default: 24 }),
  /**
   * HMAC key for the fingerprints that tell a retry from a different request under the same key.
   * Requests hold card numbers, so an unkeyed hash could be brute-forced back to one. Unset
   * outside production: a key generated once under DATA_DIR, shared by local replicas.
   */
  IDEMPOTENCY_FINGERPRINT_KEY: Type.Optional(secret(Type.String({ minLength: 32 }))),
});

export type PaymentConfig = Static<typeof PaymentConfigSchema>;

export function loadPaymentConfig(env: NodeJS.ProcessEnv = process.env): PaymentConfig {
  return loadConfig(PaymentConfigSchema, {
    env,
    requiredInProduction: ['DATABASE_URL', 'IDEMPOTENCY_FINGERPRINT_KEY'],
    refine: (config) => [...authConfigProblems(config), ...currencyProblems(config.CURRENCY)],
  });
}
