import { argon2, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUSY_MACHINE_ENV, buildTestApp } from '@myshop/testing';
import type { FastifyInstance } from 'fastify';
import { promisify } from 'node:util';
import { onTestFinished } from 'vitest';
import { buildUserApp } from '../src/app.ts';
import { loadUserConfig, type UserConfig } from '../src/config.ts';
import { ARGON2_PARAMETERS } from '../src/passwords.ts';

export const PASSWORD = 'correct horse battery';

export function userConfig(env: Record<string, string> = {}): UserConfig {
  return loadUserConfig({
    NODE_ENV: 'test',
    DATA_DIR: mkdtempSync(join(tmpdir(), 'myshop-user-')),
    CART_CLIENT_SECRET: CART_SECRET,
    ...BUSY_MACHINE_ENV,
    ...env,
  });
}

/** The user service as server.ts builds it, on a fresh database and a throw-away DATA_DIR. */
export async function buildUser(env: Record<string, string> = {}) {
  const config = userConfig(env);
  const built = await buildTestApp('user', ({ databaseUrl, logger }) => buildUserApp({ config, logger, databaseUrl }));
  /** Another replica of the service (or the same one restarted) on the same database, closed when the test ends. */
  const replica = async (): Promise<FastifyInstance> => {
    const app = await buildUserApp({ config, logger: built.logs.logger, databaseUrl: built.database.url });
    onTestFinished(() => app.close());
    await app.ready();
    return app;
  };
  return { ...built, config, replica };
}

export async function register(app: FastifyInstance, email = 'ada@example.com', password = PASSWORD, name = 'Ada') {
  const response = await app.inject({ method: 'POST', url: '/user/register', payload: { email, password, name } });
  if (response.statusCode !== 201) throw new Error(`register failed: ${response.body}`);
  return response.json() as { id: string; email: string; name: string; createdAt: string };
}

/** The cart service's client secret in these tests (CART_CLIENT_SECRET). */
export const CART_SECRET = 'cart-client-secret-of-at-least-32-characters';

export async function login(app: FastifyInstance, email = 'ada@example.com', password = PASSWORD) {
  const response = await app.inject({ method: 'POST', url: '/user/login', payload: { email, password } });
  if (response.statusCode !== 200) throw new Error(`login failed: ${response.body}`);
  return (response.json() as { accessToken: string }).accessToken;
}

/**
 * One login attempt from client address `ip`, as the ingress would forward it (the address it saw
 * appended to X-Forwarded-For); wrong password unless one is given.
 */
export function loginFrom(app: FastifyInstance, ip: string, email: string, password = 'wrong password') {
  return app.inject({ method: 'POST', url: '/user/login', headers: { 'x-forwarded-for': ip }, payload: { email, password } });
}

/** One sign-up from client address `ip`. */
export function registerFrom(app: FastifyInstance, ip: string, email: string, password = PASSWORD) {
  return app.inject({ method: 'POST', url: '/user/register', headers: { 'x-forwarded-for': ip }, payload: { email, password, name: 'N' } });
}

/** The body of every 429 of the attempt limits. */
export const TOO_MANY_ATTEMPTS = {
  statusCode: 429,
  code: 'USER_TOO_MANY_ATTEMPTS',
  error: 'Too Many Requests',
  message: 'Too many attempts, try again later',
};

/** A hash of the password exactly as typed, as the service made them before it normalised passwords. */
export async function hashAsTyped(password: string): Promise<string> {
  const nonce = randomBytes(16);
  const { memory, passes, parallelism, tagLength } = ARGON2_PARAMETERS;
  const hash = await promisify(argon2)('argon2id', { message: password, nonce, memory, passes, parallelism, tagLength });
  const unpadded = (buffer: Buffer) => buffer.toString('base64').replace(/=+$/, '');
  return `$argon2id$v=19$m=${memory},t=${passes},p=${parallelism}$${unpadded(nonce)}$${unpadded(hash)}`;
}
