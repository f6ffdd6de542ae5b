import { healthPlugin } from '@myshop/health';
import { createTestDatabase } from '@myshop/testing';
import Fastify from 'fastify';
import { describe, expect, it, onTestFinished } from 'vitest';
import { dbPlugin } from '../src/index.ts';

const migrationsDir = new URL('./fixtures/migrations/', import.meta.url).pathname;

describe('dbPlugin', () => {
  it('migrates before the app is ready, serves queries and reports the database in /readyz', async () => {
    const testDatabase = await createTestDatabase();
    onTestFinished(() => testDatabase.drop());
    const app = Fastify({ logger: false });
    await app.register(healthPlugin);
    await app.register(dbPlugin, { url: testDatabase.url, poolMax: 2, migrationsDir, migrate: true });
    await app.ready();
    await app.db.query("INSERT INTO things (name) VALUES ('from the app')");
    expect(await testDatabase.query('SELECT name FROM things')).toEqual([{ name: 'from the app' }]);
    const ready = await app.inject({ url: '/readyz' });
    expect(ready.json()).toEqual({ status: 'ready', checks: { database: 'ok' } });
    await app.close();
    expect(app.db.pool.ended).toBe(true);
  });

  it('skips migrations when told to (the migrate command ran them)', async () => {
    const testDatabase = await createTestDatabase();
    onTestFinished(() => testDatabase.drop());
    const app = Fastify({ logger: false });
    onTestFinished(() => app.close());
    await app.register(healthPlugin);
    await app.register(dbPlugin, { url: testDatabase.url, poolMax: 2, migrationsDir, migrate: false });
    await app.ready();
    expect(await testDatabase.query("SELECT to_regclass('public.things') AS things")).toEqual([{ things: null }]);
  });
});
