import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTestApp } from '@myshop/testing';
import type { FastifyInstance } from 'fastify';
import { buildUserApp } from '../src/app.ts';
import { loadUserConfig } from '../src/config.ts';

export const PASSWORD = 'correct horse battery';

/** The user service as server.ts builds it, on a fresh database and a throw-away DATA_DIR. */
export async function buildUser(env: Record<string, string> = {}) {
  const config = loadUserConfig({ NODE_ENV: 'test', DATA_DIR: mkdtempSync(join(tmpdir(), 'myshop-user-')), CART_CLIENT_SECRET: CART_SECRET, ...env });
  const built = await buildTestApp('user', ({ databaseUrl, logger }) => buildUserApp({ config, logger, databaseUrl }));
  return { ...built, config };
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
