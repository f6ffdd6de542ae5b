import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectServesFromOddlyNamedFolder, runEntryPoint } from '@myshop/testing';
import { describe, expect, it, onTestFinished } from 'vitest';

const start = (env: Record<string, string>) => runEntryPoint(new URL('../src/server.ts', import.meta.url), env);

const json = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('user server', () => {
  // A copy of the app, a database and a real process that migrates it and must become ready: a
  // busy two-core machine takes more than the default 30 s for them now and then.
  it('starts from a clone in a folder whose name has a space and a letter outside ASCII, and migrates its database', async () => {
    await expectServesFromOddlyNamedFolder(new URL('..', import.meta.url));
  }, 60_000);

  // Two starts of a process with a database cluster to create, a migration and a hash: 20 s or more
  // on a busy two-core machine, so twice the default budget.
  it(
    'runs without DATABASE_URL on an embedded PostgreSQL under DATA_DIR, keeping accounts and keys across restarts',
    { timeout: 60_000 },
    async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'myshop-user-embedded-'));
      chmodSync(dataDir, 0o755);
      onTestFinished(() => rmSync(dataDir, { recursive: true, force: true }));

      const first = start({ DATA_DIR: dataDir });
      const { origin } = await first.listening;
      const account = { email: 'embedded@example.com', password: 'correct horse', name: 'Em' };
      expect((await fetch(`${origin}/user/register`, json(account))).status).toBe(201);
      const login = await fetch(`${origin}/user/login`, json({ email: account.email, password: account.password }));
      expect(login.status).toBe(200);
      const { accessToken } = (await login.json()) as { accessToken: string };
      first.child.kill('SIGTERM');
      expect((await first.exit)[0]).toBe(0);
      expect(first.output()).toContain('embedded PostgreSQL ready');

      const second = start({ DATA_DIR: dataDir });
      const { origin: again } = await second.listening;
      const me = await fetch(`${again}/user/me`, { headers: { authorization: `Bearer ${accessToken}` } });
      expect(me.status).toBe(200);
      expect(await me.json()).toMatchObject({ email: 'embedded@example.com' });
      second.child.kill('SIGTERM');
      expect((await second.exit)[0]).toBe(0);
    },
  );

  it('refuses to start in production without its database, signing key and client secret: exit 1 naming all', async () => {
    const service = start({ NODE_ENV: 'production', JWT_ISSUER: '' });
    const [code] = await service.exit;
    expect(code).toBe(1);
    expect(service.output()).toContain('user: Invalid configuration (3 keys):');
    expect(service.output()).toContain('DATABASE_URL: is required in production');
    expect(service.output()).toContain('JWT_PRIVATE_KEY: is required in production');
    expect(service.output()).toContain('CART_CLIENT_SECRET: is required in production');
  });
});
