import { developmentClientSecret, PAYMENT_AUDIENCE } from '@myshop/auth';
import { createHttpClient, type HttpUnavailable, type IncomingRequestLike } from '@myshop/http-client';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Type } from 'typebox';
import type { CartConfig } from '../config.ts';

/** Cart's name at the token endpoint. */
export const CART_CLIENT_ID = 'cart';

/** CLIENT_SECRET (a Secret) in production; outside it, the one the user service shares under DATA_DIR. */
export function cartClientSecret(config: Pick<CartConfig, 'CLIENT_SECRET' | 'DATA_DIR'>): string {
  return config.CLIENT_SECRET ?? developmentClientSecret(config.DATA_DIR, CART_CLIENT_ID);
}

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';
/** A token for itself is renewed this long before it expires, so no call carries a dying one. */
const RENEW_BEFORE_MS = 30_000;

const TokenGrant = Type.Object({ access_token: Type.String({ minLength: 1 }), expires_in: Type.Integer({ minimum: 0 }) });

type Refused = { kind: 'refused'; status: number; code?: string };

/** The user service's answer when the shopper's token it is asked to exchange is expired or not valid. */
export const SUBJECT_TOKEN_REFUSED = 'USER_INVALID_GRANT';
export type TokenOutcome = { kind: 'ok'; token: string } | Refused | HttpUnavailable;
/**
 * A token for payment acting for a shopper, and when it runs out by this process's clock
 * (milliseconds since the epoch): it never outlives the shopper's own token, so it may run out
 * while a checkout is still using it.
 */
export type UserTokenOutcome = { kind: 'ok'; token: string; expiresAt: number } | Refused | HttpUnavailable;

export interface ServiceTokens {
  /** A token for payment acting for the signed-in user of `incoming` (RFC 8693 token exchange). */
  forUser(incoming: IncomingRequestLike, scope: string): Promise<UserTokenOutcome>;
  /** A token for payment as cart itself (client credentials), kept until shortly before it expires. */
  forCart(scope: string): Promise<TokenOutcome>;
}

declare module 'fastify' {
  interface FastifyInstance {
    serviceTokens: ServiceTokens;
  }
}

const BEARER = /^Bearer +(\S+) *$/i;

/**
 * Cart calls payment as itself, never with the shopper's token: the user service exchanges the
 * shopper's token for one whose audience is payment and which names cart as the actor. A token
 * minted for payment is refused everywhere else, and the shopper's token reaches no other service.
 */
async function serviceTokens(app: FastifyInstance, { config, userAgent }: { config: CartConfig; userAgent: string }): Promise<void> {
  const endpoint = new URL(config.TOKEN_URL);
  const secret = cartClientSecret(config);
  const authorization = `Basic ${Buffer.from(`${encodeURIComponent(CART_CLIENT_ID)}:${encodeURIComponent(secret)}`).toString('base64')}`;
  const client = createHttpClient({
    baseUrl: endpoint.origin,
    timeoutMs: config.PAYMENT_TIMEOUT_MS,
    userAgent,
    metricsRegistry: app.metrics.registry,
    target: 'user',
  });
  app.addHook('onClose', async () => client.close());

  const request = async (
    body: Record<string, string>,
    incoming?: IncomingRequestLike,
  ): Promise<{ kind: 'ok'; token: string; expiresIn: number } | Refused | HttpUnavailable> => {
    const outcome = await client.request({
      method: 'POST',
      path: endpoint.pathname,
      headers: { authorization },
      body: { audience: PAYMENT_AUDIENCE, ...body },
      incoming,
      schema: TokenGrant,
      // A second token for the same grant is harmless: a try cut short by a replica dying is sent again.
      repeatable: true,
    });
    if (outcome.kind === 'ok') return { kind: 'ok', token: outcome.body.access_token, expiresIn: outcome.body.expires_in };
    if (outcome.kind === 'rejected') {
      // The shopper's token refused (expired a moment ago): the shopper's to renew. Anything else
      // refused is our own credentials or grant: the integration is at fault, so it is logged loudly.
      if (outcome.code === SUBJECT_TOKEN_REFUSED) app.log.info({ reqId: incoming?.id }, "the token endpoint refused the shopper's token");
      else app.log.error({ status: outcome.status, code: outcome.code }, 'the token endpoint refused cart');
      return { kind: 'refused', status: outcome.status, code: outcome.code };
    }
    return outcome;
  };

  const own = new Map<string, { token: string; renewAt: number }>();

  app.decorate('serviceTokens', {
    async forUser(incoming, scope) {
      // Only routes behind app.authenticate call this: the request holds a verified Bearer token.
      const subject = BEARER.exec(String(incoming.headers.authorization))![1]!;
      const outcome = await request(
        { grant_type: TOKEN_EXCHANGE, scope, subject_token: subject, subject_token_type: ACCESS_TOKEN },
        incoming,
      );
      return outcome.kind === 'ok' ? { kind: 'ok', token: outcome.token, expiresAt: Date.now() + outcome.expiresIn * 1000 } : outcome;
    },
    async forCart(scope) {
      const kept = own.get(scope);
      if (kept && Date.now() < kept.renewAt) return { kind: 'ok', token: kept.token };
      const outcome = await request({ grant_type: 'client_credentials', scope });
      if (outcome.kind === 'ok') own.set(scope, { token: outcome.token, renewAt: Date.now() + outcome.expiresIn * 1000 - RENEW_BEFORE_MS });
      return outcome;
    },
  } satisfies ServiceTokens);
}

export const serviceTokensPlugin = fp(serviceTokens, { name: 'service-tokens', fastify: '5.x', dependencies: ['@myshop/metrics'] });
