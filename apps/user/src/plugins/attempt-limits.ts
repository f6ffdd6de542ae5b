import type { Queryable } from '@myshop/db';
import { defineError, withRetryAfter } from '@myshop/errors';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { attemptCounters, type AttemptLimit, type Counted } from '../attempt-counters.ts';
import { clientAddress } from '../client-address.ts';
import type { UserConfig } from '../config.ts';
import { emailKey } from '../email-key.ts';
import { knownAddresses } from '../known-addresses.ts';

export const TooManyAttemptsError = defineError('USER_TOO_MANY_ATTEMPTS', 'Too many attempts, try again later', 429);

/** What each limit counts; the first part of a counter's name in attempt_counters. */
export const SCOPES = {
  loginPerAddress: 'login:address',
  loginPerAccountAndAddress: 'login:account+address',
  loginPerAccountFromUnknownAddresses: 'login:account:unknown-addresses',
  registerPerAddress: 'register:address',
  registerPerAccount: 'register:account',
} as const;

/** How often each replica deletes expired counters and known addresses. */
const PURGE_INTERVAL_MS = 60_000;

type CountAttempt = (request: FastifyRequest) => Promise<void>;

declare module 'fastify' {
  interface FastifyInstance {
    /** Attempt limits on logins and sign-ups; past one, 429 USER_TOO_MANY_ATTEMPTS with Retry-After. */
    attemptLimits: {
      /** POST /user/login counts the attempt with this before the password is checked (429 past a limit). */
      login: CountAttempt;
      /**
       * After the password matched: the address becomes known to the account (its record refreshed
       * at most once per KNOWN_ADDRESS_REFRESH_SECONDS), its counter is cleared.
       */
      loginSucceeded(request: FastifyRequest, userId: string): Promise<void>;
      /** POST /user/register counts the sign-up with this before the password is hashed. */
      register: CountAttempt;
      /**
       * As an account is created (`db`: the transaction creating it): the address it is signed up
       * from becomes known to it, as after a login, so strangers keeping its limit for unknown
       * addresses exceeded from the start cannot keep its owner from ever logging in.
       */
      registered(request: FastifyRequest, userId: string, db: Queryable): Promise<void>;
      /** Deletes expired counters and known addresses; runs by itself every minute, never throws. */
      purgeExpired(): Promise<void>;
    };
  }
}

/** Who is attempting what: the client's address and the email key of the account. */
function attemptOf(request: FastifyRequest): { address: string; account: string } {
  return { address: clientAddress(request.ip), account: emailKey((request.body as { email: string }).email) };
}

/** One counter per (address, account) pair; JSON keeps any two pairs apart. */
const pair = (address: string, account: string) => JSON.stringify([address, account]);

/**
 * Logins pass three limits, each counted before the password is checked (so concurrent attempts
 * cannot slip past one), the first one refusing ending the attempt:
 * 1. per address, over all accounts: one address spraying many accounts;
 * 2. per account and address, blocks doubling when exceeded again: one address guessing one
 *    account; a successful login from the address clears it;
 * 3. per account, from addresses that have not signed up or logged in to it lately, together:
 *    many addresses guessing one account. The owner, from an address they used before, is not
 *    counted here, so a stranger's failures do not lock them out.
 * Sign-ups pass a limit per address and one per email key.
 */
async function attemptLimits(app: FastifyInstance, { config }: { config: UserConfig }): Promise<void> {
  const counters = attemptCounters(app.db);
  const known = knownAddresses(app.db, { keepDays: config.LOGIN_KNOWN_ADDRESS_DAYS });
  // Logins whose address the account knows from a login within the refresh time: their success
  // leaves the address's record as it is (known-addresses.ts).
  const knownRecently = new WeakSet<FastifyRequest>();
  const windowSeconds = config.RATE_LIMIT_WINDOW_SECONDS;
  const plain = (max: number): AttemptLimit => ({ max, windowSeconds, maxBlockSeconds: windowSeconds });
  const backingOff = (max: number): AttemptLimit => ({ max, windowSeconds, maxBlockSeconds: config.LOGIN_BACKOFF_MAX_SECONDS });
  const limits = {
    loginPerAddress: plain(config.LOGIN_LIMIT_PER_IP),
    loginPerAccountAndAddress: backingOff(config.LOGIN_LIMIT_PER_ACCOUNT),
    loginPerAccountFromUnknownAddresses: backingOff(config.LOGIN_LIMIT_PER_ACCOUNT_UNKNOWN_ADDRESSES),
    registerPerAddress: plain(config.REGISTER_LIMIT_PER_IP),
    registerPerAccount: plain(config.REGISTER_LIMIT_PER_ACCOUNT),
  };

  async function admit(request: FastifyRequest, counted: Counted): Promise<void> {
    const verdict = await counters.hit(counted);
    if (verdict.allowed) return;
    request.log.warn({ scope: counted.scope, retryAfterSeconds: verdict.retryAfterSeconds }, 'attempt limit reached');
    throw withRetryAfter(new TooManyAttemptsError(), verdict.retryAfterSeconds);
  }

  async function purgeExpired(): Promise<void> {
    try {
      const purged = { counters: await counters.purgeExpired(), knownAddresses: await known.purgeExpired() };
      if (purged.counters + purged.knownAddresses > 0) app.log.debug(purged, 'expired attempt counters purged');
    } catch (error) {
      // The next run deletes what this one could not; nothing waits for it.
      app.log.warn({ err: error }, 'purging expired attempt counters failed');
    }
  }

  app.decorate('attemptLimits', {
    async login(request: FastifyRequest) {
      const { address, account } = attemptOf(request);
      await admit(request, { scope: SCOPES.loginPerAddress, subject: address, limit: limits.loginPerAddress });
      await admit(request, {
        scope: SCOPES.loginPerAccountAndAddress,
        subject: pair(address, account),
        limit: limits.loginPerAccountAndAddress,
      });
      const standing = await known.standing(account, address);
      if (standing === 'known-recently') knownRecently.add(request);
      if (standing !== 'unknown') return;
      await admit(request, {
        scope: SCOPES.loginPerAccountFromUnknownAddresses,
        subject: account,
        limit: limits.loginPerAccountFromUnknownAddresses,
      });
    },

    async loginSucceeded(request: FastifyRequest, userId: string) {
      const { address, account } = attemptOf(request);
      if (!knownRecently.has(request)) await known.remember(userId, address);
      await counters.forget(SCOPES.loginPerAccountAndAddress, pair(address, account));
    },

    async register(request: FastifyRequest) {
      const { address, account } = attemptOf(request);
      await admit(request, { scope: SCOPES.registerPerAddress, subject: address, limit: limits.registerPerAddress });
      await admit(request, { scope: SCOPES.registerPerAccount, subject: account, limit: limits.registerPerAccount });
    },

    async registered(request: FastifyRequest, userId: string, db: Queryable) {
      // Whoever signed up chose the password: a login from here would make the address known anyway.
      await knownAddresses(db, { keepDays: config.LOGIN_KNOWN_ADDRESS_DAYS }).remember(userId, clientAddress(request.ip));
    },

    purgeExpired,
  });

  const purging = setInterval(purgeExpired, PURGE_INTERVAL_MS).unref();
  app.addHook('onClose', async () => clearInterval(purging));
}

export const attemptLimitsPlugin = fp(attemptLimits, { name: 'attempt-limits', fastify: '5.x', dependencies: ['@myshop/db'] });
