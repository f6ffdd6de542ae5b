import { createTestDatabase, expectServesFromOddlyNamedFolder, runEntryPoint } from '@myshop/testing';
import { describe, expect, it, onTestFinished } from 'vitest';

/** One of the service's entry points (`server.ts`, `migrate.ts`), run as its own process. */
const run = (entry: string, env: Record<string, string>) => runEntryPoint(new URL(`../src/${entry}`, import.meta.url), env);

describe('cart server and migrate command', () => {
  // A copy of the app, a database and a real process that migrates it and must become ready: a
  // busy two-core machine takes more than the default 30 s for them now and then.
  it('starts from a clone in a folder whose name has a space and a letter outside ASCII, and migrates its database', async () => {
    await expectServesFromOddlyNamedFolder(new URL('..', import.meta.url), {
      REFUND_SYNC_INTERVAL_MS: '0',
      JWKS_URL: 'http://127.0.0.1:9/jwks.json',
    });
  }, 60_000);

  // Two real processes, a database and its migration: as above.
  it('migrate applies the schema and seeds the catalogue; the server then serves it without migrating', async () => {
    const database = await createTestDatabase();
    onTestFinished(() => database.drop());

    const migrate = run('migrate.ts', { DATABASE_URL: database.url });
    const [code] = await migrate.exit;
    expect(code, migrate.output()).toBe(0);
    expect(migrate.output()).toContain('migrations applied');
    const [{ count }] = (await database.query<{ count: number }>('SELECT count(*)::int AS count FROM products')) as [{ count: number }];
    expect(count).toBeGreaterThanOrEqual(20);

    const server = run('server.ts', { DATABASE_URL: database.url, DATABASE_MIGRATE_ON_START: 'false', PAYMENT_URL: 'http://127.0.0.1:9' });
    const { origin } = await server.listening;
    const products = await fetch(`${origin}/cart/products?limit=3`);
    expect(products.status).toBe(200);
    expect(((await products.json()) as { items: unknown[] }).items).toHaveLength(3);
    const cart = await fetch(`${origin}/cart`);
    expect(cart.status).toBe(401);
    server.child.kill('SIGTERM');
    expect((await server.exit)[0]).toBe(0);
  }, 60_000);

  it('refuses to start with a bad configuration: exit 1 naming every bad key', async () => {
    const service = run('server.ts', { NODE_ENV: 'production', PAYMENT_TIMEOUT_MS: 'soon', CURRENCY: 'usd' });
    const [code] = await service.exit;
    expect(code).toBe(1);
    // The malformed keys and the keys production requires, in one message.
    expect(service.output()).toContain('cart: Invalid configuration (4 keys):');
    expect(service.output()).toContain('PAYMENT_TIMEOUT_MS');
    expect(service.output()).toContain('CURRENCY');
    expect(service.output()).toContain('DATABASE_URL: is required in production');
    expect(service.output()).toContain('CLIENT_SECRET: is required in production');
  });

  it('requires DATABASE_URL in production', async () => {
    const service = run('server.ts', { NODE_ENV: 'production' });
    const [code] = await service.exit;
    expect(code).toBe(1);
    expect(service.output()).toContain('DATABASE_URL: is required in production');
  });
});
