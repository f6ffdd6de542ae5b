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
    };
  }
}

/** The one way routes hash passwords: a sign-up and login flood sheds instead of queueing (hashing-gate.ts). */
async function passwordHashing(app: FastifyInstance, { config }: { config: UserConfig }): Promise<void> {
  const gate = createHashingGate(config.PASSWORD_HASHES_MAX_PENDING);
  app.decorate('passwords', {
    hash: (password: string) => gate.run(() => hashPassword(password)),
    // A password that normalisation changes is checked as typed too: two hashes, counted as two.
    check: (stored: string, password: string) => gate.run(() => checkPassword(stored, password), hashesToCheck(password)),
  });
}

export const passwordHashingPlugin = fp(passwordHashing, { name: 'password-hashing', fastify: '5.x' });
