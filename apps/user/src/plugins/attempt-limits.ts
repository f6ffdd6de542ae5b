import rateLimit from '@fastify/rate-limit';
import { defineError } from '@myshop/errors';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

export const TooManyAttemptsError = defineError('USER_TOO_MANY_ATTEMPTS', 'Too many attempts, try again later', 429);

export interface AttemptLimit {
  perIp: number;
  perAccount: number;
  windowSeconds: number;
}

type PreHandler = (request: FastifyRequest) => Promise<void>;

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * A preHandler allowing `perIp` attempts per client address and `perAccount` per email in
     * each window; past either, 429 with Retry-After. `scope` keeps routes' counters apart.
     */
    attemptLimit(scope: string, limit: AttemptLimit): PreHandler;
  }
}

/** The email a login or sign-up is for, compared the way accounts are: trimmed, any case. */
function accountOf(request: FastifyRequest): string {
  const email = (request.body as { email?: unknown } | undefined)?.email;
  return typeof email === 'string' ? email.trim().toLowerCase() : '';
}

async function attemptLimits(app: FastifyInstance): Promise<void> {
  // Only the limiters built below; nothing global.
  await app.register(rateLimit, { global: false });

  app.decorate('attemptLimit', (scope: string, limit: AttemptLimit): PreHandler => {
    const timeWindow = limit.windowSeconds * 1000;
    // Two independent counters: @fastify/rate-limit runs one limit per request by itself.
    const limiters = [
      app.createRateLimit({ max: limit.perIp, timeWindow, keyGenerator: (request) => `${scope}:ip:${request.ip}` }),
      app.createRateLimit({ max: limit.perAccount, timeWindow, keyGenerator: (request) => `${scope}:account:${accountOf(request)}` }),
    ];
    return async (request) => {
      for (const limiter of limiters) {
        const state = await limiter(request);
        if (!state.isAllowed && state.isExceeded) {
          request.log.warn({ scope }, 'attempt limit reached');
          throw Object.assign(new TooManyAttemptsError(), { headers: { 'retry-after': String(state.ttlInSeconds) } });
        }
      }
    };
  });
}

export const attemptLimitsPlugin = fp(attemptLimits, { name: 'attempt-limits', fastify: '5.x' });
