import { createHash, timingSafeEqual } from 'node:crypto';
import { developmentClientSecret, PAYMENT_AUDIENCE, SCOPES } from '@myshop/auth';
import type { UserConfig } from './config.ts';

/** A service that may get tokens for another service, and what those may allow. */
export interface ServiceClient {
  id: string;
  secret: string;
  /** The one service its tokens are for. */
  audience: string;
  /** Scopes it may get on behalf of a signed-in user, by exchanging that user's token. */
  onBehalfOfUser: readonly string[];
  /** Scopes it may get for itself (client credentials). */
  asItself: readonly string[];
}

/**
 * The services that call other services. Cart charges a user's card at payment on that user's
 * behalf, and reads payment's refunds for itself (to show them on orders). Nothing else may.
 */
export function serviceClients(config: UserConfig): Map<string, ServiceClient> {
  const cart: ServiceClient = {
    id: 'cart',
    secret: config.CART_CLIENT_SECRET ?? developmentClientSecret(config.DATA_DIR, 'cart'),
    audience: PAYMENT_AUDIENCE,
    onBehalfOfUser: [SCOPES.charge],
    asItself: [SCOPES.readRefunds],
  };
  return new Map([[cart.id, cart]]);
}

/** Compares in constant time whatever the lengths (digests first), so timing tells nothing of the secret. */
export function secretMatches(client: ServiceClient, presented: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(client.secret), digest(presented));
}
