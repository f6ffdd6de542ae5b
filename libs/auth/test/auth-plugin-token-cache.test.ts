import { errorHandlerPlugin } from '@myshop/errors';
import Fastify from 'fastify';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { authPlugin } from '../src/index.ts';
import { createTestIssuer, type TestIssuer } from '../src/testing/index.ts';

/** Tokens jose's jwtVerify was asked to verify: those verified in full rather than answered from the cache. */
const verified = vi.hoisted((): string[] => []);
vi.mock('jose', async (importOriginal) => {
  const jose = await importOriginal<typeof import('jose')>();
  const jwtVerify = ((token: string | Uint8Array, ...rest: unknown[]) => {
    verified.push(String(token));
    return (jose.jwtVerify as (...args: unknown[]) => unknown)(token, ...rest);
  }) as typeof jose.jwtVerify;
  return { ...jose, jwtVerify };
});

async function requestThrice(issuer: TestIssuer, verifiedTokenCacheSize?: number) {
  const app = Fastify({ logger: false });
  onTestFinished(() => app.close());
  await app.register(errorHandlerPlugin);
  await app.register(authPlugin, {
    issuer: issuer.issuer,
    audience: issuer.audience,
    keys: issuer.keys,
    ...(verifiedTokenCacheSize === undefined ? {} : { verifiedTokenCacheSize }),
  });
  app.get('/private', { onRequest: app.authenticate }, async (request) => ({ userId: request.user.id }));
  const headers = { authorization: `Bearer ${await issuer.sign('user-1')}` };
  verified.length = 0;
  for (let i = 0; i < 3; i += 1) expect((await app.inject({ url: '/private', headers })).json()).toEqual({ userId: 'user-1' });
}

describe('the verified-token cache of app.authenticate', () => {
  it('verifies a token in full once by default, then answers it from the cache', async () => {
    await requestThrice(await createTestIssuer());
    expect(verified).toHaveLength(1);
  });

  it('verifies every request in full with verifiedTokenCacheSize 0', async () => {
    await requestThrice(await createTestIssuer(), 0);
    expect(verified).toHaveLength(3);
  });
});
