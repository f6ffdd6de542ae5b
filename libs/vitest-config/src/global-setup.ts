/**
 * Vitest global setup: finds the PostgreSQL server the tests create their databases on.
 * TEST_DATABASE_URL (CI: the machine's server) wins; without it an embedded PostgreSQL is
 * started in a temporary directory, so `npm test` needs no server on a fresh machine.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '@myshop/embedded-postgres';
import type { TestProject } from 'vitest/node';
import './provided-context.ts';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const configured = process.env.TEST_DATABASE_URL;
  if (configured) {
    project.provide('databaseServerUrl', configured);
    return async () => undefined;
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'myshop-test-pg-'));
  // mkdtemp makes it private; as root, PostgreSQL runs as its own user and must get through.
  chmodSync(dataDir, 0o755);
  const server = await startEmbeddedPostgres({
    dataDir: join(dataDir, 'cluster'),
    database: 'postgres',
    durable: false,
    // Its keeper removes it, also after a Ctrl-C, when this teardown never runs.
    removeWhenStopped: dataDir,
  });
  project.provide('databaseServerUrl', server.url);
  return async () => {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
