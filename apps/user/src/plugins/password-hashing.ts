import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { UserConfig } from '../config.ts';
import { createHashingGate } from '../hashing-gate.ts';
import { checkPassword, hashesToCheck, hashPassword, type PasswordCheck } from '../passwords.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Passwords hashed and checked through this replica's bound on pending hashes: past
     * PASSWORD_HASHES_MAX_PENDING, 503 SERVICE_OVERLOADED with Retry-After, nothing hashed.
     */
    passwords: {
      hash(password: string): Promise<string>;
      check(stored: string, password: string): Promise<PasswordCheck>;
      /**
       * Takes the room one hash needs, then runs `work`, which hashes through it. Refused (503)
       * before `work` starts: what `work` does first (counting the attempt) is not done for a
       * request the bound sheds.
       */
      withRoomToHash<T>(work: (hash: (password: string) => Promise<string>) => Promise<T>): Promise<T>;
      /** As `withRoomToHash`, for checking `password` (one hash or two, see `check`). */
      withRoomToCheck<T>(password: string, work: (check: (stored: string) => Promise<PasswordCheck>) => Promise<T>): Promise<T>;
    };
  }
}

/** The one way routes hash passwords: a sign-up and login flood sheds instead of queueing (hashing-gate.ts). */
async function passwordHashing(app: FastifyInstance, { config }: { config: UserConfig }): Promise<void> {
  const gate = createHashingGate(config.PASSWORD_HASHES_MAX_PENDING);
  const withRoomToHash = <T>(work: (hash: (password: string) => Promise<string>) => Promise<T>) => gate.run(() => work(hashPassword));
  // A password that normalisation changes is checked as typed too: two hashes, counted as two.
  const withRoomToCheck = <T>(password: string, work: (check: (stored: string) => Promise<PasswordCheck>) => Promise<T>) =>
    gate.run(() => work((stored) => checkPassword(stored, password)), hashesToCheck(password));
  app.decorate('passwords', {
    hash: (password: string) => withRoomToHash((hash) => hash(password)),
    check: (stored: string, password: string) => withRoomToCheck(password, (check) => check(stored)),
    withRoomToHash,
    withRoomToCheck,
  });
}

export const passwordHashingPlugin = fp(passwordHashing, { name: 'password-hashing', fastify: '5.x' });
