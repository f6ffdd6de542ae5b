import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTestApp } from '@myshop/testing';
import { createFastify } from '@myshop/server';
import { userAppPlugin } from '../src/app.ts';
import { loadUserConfig } from '../src/config.ts';

/** The user service on a fresh database, with a throw-away signing key directory. */
export async function buildUser(env: Record<string, string> = {}) {
  const config = loadUserConfig({ NODE_ENV: 'test', DATA_DIR: mkdtempSync(join(tmpdir(), 'myshop-user-')), ...env });
  return buildTestApp('user', async ({ databaseUrl, logger }) => {
    const app = createFastify({ logger, bodyLimitBytes: config.BODY_LIMIT_BYTES, requestTimeoutMs: config.REQUEST_TIMEOUT_MS });
    await app.register(userAppPlugin, { config, databaseUrl });
    return app;
  });
}
