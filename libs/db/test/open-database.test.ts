import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it, onTestFinished } from 'vitest';
import { openDatabase } from '../src/index.ts';

async function query(url: string, text: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

describe('openDatabase', () => {
  it('uses DATABASE_URL as given when there is one', async () => {
    const location = await openDatabase({ url: 'postgres://db.example/shop', dataDir: '/nonexistent', service: 'user' });
    expect(location).toMatchObject({ url: 'postgres://db.example/shop', embedded: false });
    await location.stop();
  });

  it('without DATABASE_URL, starts an embedded PostgreSQL under <dataDir>/<service> that keeps its data', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'myshop-embedded-'));
    chmodSync(dataDir, 0o755);
    onTestFinished(() => rmSync(dataDir, { recursive: true, force: true }));

    const first = await openDatabase({ dataDir, service: 'orders' });
    expect(first.embedded).toBe(true);
    expect(new URL(first.url).pathname).toBe('/orders');
    expect(existsSync(join(dataDir, 'orders', 'postgres', 'PG_VERSION'))).toBe(true);
    await query(first.url, "CREATE TABLE kept (note text); INSERT INTO kept VALUES ('survives a restart')");
    await first.stop();

    const second = await openDatabase({ dataDir, service: 'orders' });
    onTestFinished(() => second.stop());
    expect(await query(second.url, 'SELECT note FROM kept')).toEqual([{ note: 'survives a restart' }]);
  });

  it('has no server to stop behind a DATABASE_URL', async () => {
    const location = await openDatabase({ url: 'postgres://db.example/shop', dataDir: '/nonexistent', service: 'user' });
    expect(location.stopServer).toBeUndefined();
    expect(location.startServer).toBeUndefined();
  });
});
