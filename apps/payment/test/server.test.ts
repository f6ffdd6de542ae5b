import { randomUUID } from 'node:crypto';
import { createTestDatabase, databaseAway, expectServesFromOddlyNamedFolder, runEntryPoint } from '@myshop/testing';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { chargeBody, servedIssuer } from './helpers.ts';

/** Runs one of the service's entry points as its own process, the way npm start and Kubernetes do. */
const run = (entry: 'server' | 'migrate', env: Record<string, string>) =>
  runEntryPoint(new URL(`../src/${entry}.ts`, import.meta.url), env);

async function freshDatabase() {
  const database = await createTestDatabase();
  onTestFinished(() => database.drop());
  return database;
}

describe('payment server', () => {
  // A copy of the app, a database and a real process that migrates it and must become ready: a
  // busy two-core machine takes more than the default 30 s for them now and then.
  it('starts from a clone in a folder whose name has a space and a letter outside ASCII, and migrates its database', async () => {
    await expectServesFromOddlyNamedFolder(new URL('..', import.meta.url), { JWKS_URL: 'http://127.0.0.1:9/jwks.json' });
  }, 60_000);

  it('started while its database is away, waits for it and is ready once it is back, instead of exiting', async () => {
    const database = await freshDatabase();
    const away = await databaseAway(database.url);
    const service = run('server', { NODE_ENV: 'test', DATABASE_URL: away.url, JWKS_URL: 'http://127.0.0.1:9/jwks.json' });
    let exited = false;
    void service.exit.then(() => (exited = true));
    // Started and found the database away (however long a busy machine takes to start a process).
    await vi.waitFor(() => expect(service.output()).toContain('database not answering; waiting for it before starting'), {
      timeout: 30_000,
      interval: 100,
    });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(exited, service.output()).toBe(false);
    await away.comeBack();
    const { origin } = await service.listening;
    expect((await fetch(`${origin}/readyz`)).status).toBe(200);
    // Migrated once the database was back.
    expect(await database.query('SELECT count(*)::int AS n FROM charges')).toEqual([{ n: 0 }]);
    service.child.kill('SIGTERM');
    expect((await service.exit)[0]).toBe(0);
  }, 60_000);

  it('gives up on a database that does not come back within DATABASE_START_WAIT_MS: exit 1 saying so', async () => {
    const { url } = await databaseAway('postgres://postgres@127.0.0.1:5432/payment');
    const service = run('server', {
      NODE_ENV: 'test',
      DATABASE_URL: url,
      DATABASE_START_WAIT_MS: '1000',
      JWKS_URL: 'http://127.0.0.1:9/jwks.json',
    });
    const [code] = await service.exit;
    expect(code).toBe(1);
    expect(service.output()).toMatch(/could not use the database for \d+ ms \(DATABASE_START_WAIT_MS\): connect ECONNREFUSED/);
  });

  it('migrate gives up on a database that does not come back the same way: exit 1, one log line saying why', async () => {
    const { url } = await databaseAway('postgres://postgres@127.0.0.1:5432/payment');
    const migrate = run('migrate', { NODE_ENV: 'test', DATABASE_URL: url, DATABASE_START_WAIT_MS: '1000', LOG_FORMAT: 'ecs' });

    const [code] = await migrate.exit;

    expect(code).toBe(1);
    // A Job's log is shipped line by line as ECS: a bare stack trace would arrive as loose records.
    const lines = migrate.output().trim().split('\n');
    const notJson = lines.filter((line) => !line.startsWith('{'));
    expect(notJson, migrate.output()).toEqual([]);
    const fatal = lines
      .map((line) => JSON.parse(line) as { 'log.level': string; message: string; error?: { message: string } })
      .find((line) => line['log.level'] === 'fatal');
    expect(fatal?.message).toBe('migrations not applied');
    expect(fatal?.error?.message).toMatch(/could not use the database for \d+ ms \(DATABASE_START_WAIT_MS\): connect ECONNREFUSED/);
  });

  it('serves charges over HTTP with tokens verified through JWKS_URL, and stops cleanly on SIGTERM', async () => {
    const database = await freshDatabase();
    const { issuer, url } = await servedIssuer();
    const service = run('server', { NODE_ENV: 'test', DATABASE_URL: database.url, JWKS_URL: url, LOG_LEVEL: 'warn' });
    const { origin } = await service.listening;
    const token = await issuer.signService(randomUUID(), { scope: 'payment:charge' });
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': 'k' };

    const first = await fetch(`${origin}/payment/charges`, { method: 'POST', headers, body: JSON.stringify(chargeBody()) });
    const retry = await fetch(`${origin}/payment/charges`, { method: 'POST', headers, body: JSON.stringify(chargeBody()) });

    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(await retry.text()).toBe(await first.text());
    expect(await database.query('SELECT count(*)::int AS n FROM charges')).toEqual([{ n: 1 }]);
    service.child.kill('SIGTERM');
    expect((await service.exit)[0]).toBe(0);
  });

  it('refuses to start in production without its database and fingerprint key: exit 1 naming both', async () => {
    const service = run('server', { NODE_ENV: 'production' });

    const [code] = await service.exit;

    expect(code).toBe(1);
    expect(service.output()).toContain('payment: Invalid configuration (2 keys):');
    expect(service.output()).toContain('DATABASE_URL: is required in production');
    expect(service.output()).toContain('IDEMPOTENCY_FINGERPRINT_KEY: is required in production');
  });

  it('migrates a database with the migrate command, once', async () => {
    const database = await freshDatabase();

    const first = run('migrate', { DATABASE_URL: database.url });
    expect((await first.exit)[0]).toBe(0);
    const second = run('migrate', { DATABASE_URL: database.url });
    expect((await second.exit)[0]).toBe(0);

    const tables = await database.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
    );
    expect(tables.map((table) => table.table_name)).toEqual(['charges', 'idempotency_keys', 'refunds', 'schema_migrations']);
    expect(first.output()).toContain('migrations applied');
    expect(second.output()).toContain('database already up to date');
  });

  it('the migrate command, run while its database is away (a Job, an init container), waits for it and migrates', async () => {
    const database = await freshDatabase();
    const away = await databaseAway(database.url);
    const migrate = run('migrate', { DATABASE_URL: away.url });
    await vi.waitFor(() => expect(migrate.output()).toContain('database not answering; waiting for it before starting'), {
      timeout: 30_000,
      interval: 100,
    });
    await away.comeBack();
    expect((await migrate.exit)[0], migrate.output()).toBe(0);
    expect(migrate.output()).toContain('migrations applied');
    expect(await database.query('SELECT count(*)::int AS n FROM charges')).toEqual([{ n: 0 }]);
  }, 60_000);
});
