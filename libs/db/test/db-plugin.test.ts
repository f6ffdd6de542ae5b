import { createServer, type AddressInfo, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { healthPlugin } from '@myshop/health';
import { createTestDatabase } from '@myshop/testing';
import Fastify from 'fastify';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createDatabase, dbPlugin, type DatabaseSettings } from '../src/index.ts';
import { databaseReadinessCheck } from '../src/readiness-check.ts';

const migrationsDir = fileURLToPath(new URL('./fixtures/migrations/', import.meta.url));
/** The base config's defaults, with a small pool. */
const settings = (overrides: Partial<DatabaseSettings> = {}): DatabaseSettings => ({
  DATABASE_POOL_MAX: 2,
  DATABASE_CONNECT_TIMEOUT_MS: 2000,
  DATABASE_STATEMENT_TIMEOUT_MS: 5000,
  DATABASE_MIGRATE_ON_START: true,
  ...overrides,
});

describe('dbPlugin', () => {
  it('migrates before the app is ready, serves queries and reports the database in /readyz', async () => {
    const testDatabase = await createTestDatabase();
    onTestFinished(() => testDatabase.drop());
    const app = Fastify({ logger: false });
    await app.register(healthPlugin);
    await app.register(dbPlugin, { url: testDatabase.url, migrationsDir, config: settings() });
    await app.ready();
    await app.db.query("INSERT INTO things (name) VALUES ('from the app')");
    expect(await testDatabase.query('SELECT name FROM things')).toEqual([{ name: 'from the app' }]);
    const ready = await app.inject({ url: '/readyz' });
    expect(ready.json()).toEqual({ status: 'ready', checks: { database: 'ok' } });
    await app.close();
    expect(app.db.pool.ended).toBe(true);
  });

  it('stays ready while requests hold every connection of the pool: the probe takes a connection of its own', async () => {
    const testDatabase = await createTestDatabase();
    onTestFinished(() => testDatabase.drop());
    const app = Fastify({ logger: false });
    onTestFinished(() => app.close());
    await app.register(healthPlugin);
    await app.register(dbPlugin, {
      url: testDatabase.url,
      migrationsDir,
      config: settings({ DATABASE_POOL_MAX: 1, DATABASE_CONNECT_TIMEOUT_MS: 10_000 }),
    });
    await app.ready();
    // The pool's one connection busy with a slow statement, and a request queued behind it.
    const slow = app.db.query('SELECT pg_sleep(3)');
    const queued = app.db.query('SELECT 1');
    await expect.poll(() => app.db.pool.waitingCount).toBe(1);

    const ready = await app.inject({ url: '/readyz' });

    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready', checks: { database: 'ok' } });
    await Promise.all([slow, queued]);
  });

  it('is not ready when the pool is busy and the server does not answer a connection of its own', async () => {
    const testDatabase = await createTestDatabase();
    onTestFinished(() => testDatabase.drop());
    const database = createDatabase({ url: testDatabase.url, poolMax: 1 });
    onTestFinished(() => database.close());
    const held = await database.pool.connect();
    onTestFinished(() => held.release());
    // The probe's own connection goes to a database the server does not have.
    const check = databaseReadinessCheck(database, `${testDatabase.url}_gone`, 1000);
    await expect(check()).rejects.toMatchObject({ code: '3D000' });
  });

  it('skips migrations when told to (the migrate command ran them)', async () => {
    const testDatabase = await createTestDatabase();
    onTestFinished(() => testDatabase.drop());
    const app = Fastify({ logger: false });
    onTestFinished(() => app.close());
    await app.register(healthPlugin);
    await app.register(dbPlugin, { url: testDatabase.url, migrationsDir, config: settings({ DATABASE_MIGRATE_ON_START: false }) });
    await app.ready();
    expect(await testDatabase.query("SELECT to_regclass('public.things') AS things")).toEqual([{ things: null }]);
  });

  it('applies its statement and connection timeouts to every pooled connection', async () => {
    const testDatabase = await createTestDatabase();
    onTestFinished(() => testDatabase.drop());
    const app = Fastify({ logger: false });
    onTestFinished(() => app.close());
    await app.register(healthPlugin);
    // A connect timeout a new connection meets on a loaded machine too (the statement timeout's
    // error may cost the pool its one connection): 300 ms was not always enough beside other work.
    const config = settings({ DATABASE_POOL_MAX: 1, DATABASE_STATEMENT_TIMEOUT_MS: 250, DATABASE_CONNECT_TIMEOUT_MS: 1500 });
    await app.register(dbPlugin, { url: testDatabase.url, migrationsDir, config: { ...config, DATABASE_MIGRATE_ON_START: false } });
    await app.ready();
    expect((await app.db.query('SHOW statement_timeout')).rows).toEqual([{ statement_timeout: '250ms' }]);
    // Past the statement timeout: a 503 the client may retry, with the server's cancellation as its cause.
    await expect(app.db.query('SELECT pg_sleep(2)')).rejects.toMatchObject({ statusCode: 503, cause: { code: '57014' } });
    // The pool's one connection held: the next query waits for it no longer than the timeout, then gets a 503.
    const held = await app.db.pool.connect();
    onTestFinished(() => held.release());
    await expect(app.db.query('SELECT 1')).rejects.toMatchObject({ statusCode: 503 });
  });

  it('gives up migrating at start within DATABASE_CONNECT_TIMEOUT_MS when the server takes the connection and never answers', async () => {
    // A database behind a proxy whose upstream is gone, or an address that drops packets: the
    // migration's connection waited forever, and the replica hung in start-up without a word
    // until the startup probe killed it.
    const sockets: Socket[] = [];
    const silent = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((listening) => silent.listen(0, '127.0.0.1', listening));
    const url = `postgres://nobody@127.0.0.1:${(silent.address() as AddressInfo).port}/none`;
    const app = Fastify({ logger: false });
    onTestFinished(async () => {
      // The server goes first: a start-up still waiting on it fails, and the app can close.
      for (const socket of sockets) socket.destroy();
      silent.close();
      await app.close().catch(() => undefined);
    });
    await app.register(healthPlugin);
    void app.register(dbPlugin, { url, migrationsDir, config: settings({ DATABASE_CONNECT_TIMEOUT_MS: 300 }) });
    const started = performance.now();
    const outcome = await Promise.race([
      app.ready().then(
        () => 'ready',
        (error: Error) => error.message,
      ),
      new Promise<string>((hung) => setTimeout(() => hung('still starting after 5 s'), 5000)),
    ]);
    expect(outcome).toMatch(/timeout/i);
    expect(performance.now() - started).toBeLessThan(3000);
  });
});
