import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { runMigrations } from '@myshop/db';
import { createTestDatabase } from '@myshop/testing';
import type { Stack } from '../../src/index.ts';
import { appliedMigrationEdits } from '../../src/watch/applied-migration-edits.ts';
import { startWatchMode } from '../../src/watch/watch-mode.ts';

/** A workspace whose `shop` service has two migrations. */
function workspaceOfShop(): string {
  const root = mkdtempSync(join(tmpdir(), 'myshop-migration-edits-'));
  onTestFinished(() => rmSync(root, { recursive: true, force: true }));
  const migrations = join(root, 'apps/shop/migrations');
  mkdirSync(migrations, { recursive: true });
  writeFileSync(join(migrations, '0001_items.sql'), 'CREATE TABLE items (id int);\n');
  writeFileSync(join(migrations, '0002_prices.sql'), 'ALTER TABLE items ADD COLUMN price int;\n');
  return root;
}

const appliedMigrationsOf = async (service: string) => (service === 'shop' ? ['0001_items'] : []);

describe('a saved migration that its database applied already', () => {
  it('is told apart from a pending one, another service’s, and code', async () => {
    const root = workspaceOfShop();

    const edits = await appliedMigrationEdits(
      root,
      [
        'apps/shop/migrations/0001_items.sql',
        'apps/shop/migrations/0002_prices.sql',
        'apps/shop/migrations/0003_gone.sql',
        'apps/shop/src/server.ts',
        'apps/other/migrations/0001_items.sql',
      ],
      appliedMigrationsOf,
    );

    expect(edits).toEqual([{ service: 'shop', file: 'apps/shop/migrations/0001_items.sql' }]);
  });

  it('gets a line of its own in watch mode before the restart, which still happens', async () => {
    const root = workspaceOfShop();
    const database = await createTestDatabase();
    onTestFinished(() => database.drop());
    await runMigrations({ url: database.url, dir: join(root, 'apps/shop/migrations') });
    // Saved since: pending, not applied.
    writeFileSync(join(root, 'apps/shop/migrations/0003_names.sql'), 'ALTER TABLE items ADD COLUMN name text;\n');
    mkdirSync(join(root, 'apps/shop/src'));
    writeFileSync(join(root, 'package.json'), JSON.stringify({ workspaces: ['apps/*'] }));
    writeFileSync(join(root, 'apps/shop/package.json'), JSON.stringify({ name: '@example/shop' }));
    const lines: string[] = [];
    const restarts: string[] = [];
    const stack = {
      services: new Map([['shop', { databaseUrl: database.url }]]),
      restartService: async (service: string) => void restarts.push(service),
    } as unknown as Stack;
    const watchMode = startWatchMode({ root, stack, log: (line) => void lines.push(line), debounceMs: 50 });
    onTestFinished(() => watchMode.close());

    writeFileSync(join(root, 'apps/shop/migrations/0001_items.sql'), 'CREATE TABLE items (id int, name text);\n');
    writeFileSync(join(root, 'apps/shop/migrations/0003_names.sql'), 'ALTER TABLE items ADD COLUMN label text;\n');

    await expect.poll(() => restarts, { timeout: 5000 }).toEqual(['shop']);
    await watchMode.idle();
    expect(lines.slice(1)).toEqual([
      "apps/shop/migrations/0001_items.sql was applied to shop's database before this save, and a migration runs once: this edit will not reach the database. Put the change in a new migration, or stop npm start and delete shop's database folder to migrate afresh",
      // Both saves, in the order the watcher heard them; 0003 is pending, so it gets no line.
      expect.stringMatching(
        /^apps\/shop\/migrations\/000[13]_\w+\.sql, apps\/shop\/migrations\/000[13]_\w+\.sql changed: restarting shop /,
      ),
    ]);
  });
});
