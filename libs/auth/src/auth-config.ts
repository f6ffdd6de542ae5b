import { serviceUrlProblems } from '@myshop/config';
import { Type } from 'typebox';
import { PAYMENT_AUDIENCE } from './token-contract.ts';

/** Keys of every service that verifies tokens; spread into the service's config schema. */
export const authConfigProperties = {
  /** The user service's key set; in Kubernetes reached through its Service name. */
  JWKS_URL: Type.String({ format: 'uri', pattern: '^https?://', default: 'http://user-service/user/.well-known/jwks.json' }),
  // One word each, as the user service writes them into tokens and every service compares them
  // byte for byte: a blank or padded value is a ConfigMap typo, never a name.
  JWT_ISSUER: Type.String({ pattern: '^\\S+$', default: 'https://myshop.com/user' }),
  JWT_AUDIENCE: Type.String({ pattern: '^\\S+$', default: 'myshop' }),
};

/**
 * What the schema cannot say of the auth keys, for a service's `refine`. JWKS_URL is checked as
 * every service URL is (serviceUrlProblems): with credentials in it, a service would start, answer
 * every signed-in request 503 AUTH_KEYS_UNAVAILABLE, and log the URL, password and all, with each.
 * JWT_AUDIENCE is checked as `audienceProblems` does.
 */
export function authConfigProblems(config: { JWKS_URL: string; JWT_AUDIENCE: string }): Array<[string, string]> {
  return [...serviceUrlProblems('JWKS_URL', config.JWKS_URL), ...audienceProblems(config)];
}

/**
 * JWT_AUDIENCE names the public API, whose tokens are shoppers' and operators'. Set to the
 * audience of the tokens minted for payment, it would make every such token a shopper's: taken by
 * cart and user's /me, exchanged again at the token endpoint. Every service that reads the key
 * refuses that value (the user service too, which issues both kinds).
 */
export function audienceProblems(config: { JWT_AUDIENCE: string }): Array<[string, string]> {
  return config.JWT_AUDIENCE === PAYMENT_AUDIENCE
    ? [['JWT_AUDIENCE', `must not be "${PAYMENT_AUDIENCE}", the audience of the tokens minted for the payment service`]]
    : [];
}
