import { join } from 'node:path';
import { startEmbeddedPostgres } from '@myshop/embedded-postgres';

export interface DatabaseLocation {
  url: string;
  /** Whether `url` points at a database this process started (and stops). */
  embedded: boolean;
  stop(): Promise<void>;
  /** Embedded only: stops PostgreSQL, data kept, until `startServer` (a database outage, for tests). */
  stopServer?(): Promise<void>;
  startServer?(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** DATABASE_URL: a real server, as in Kubernetes and CI. */
  url?: string;
  /** Without a URL: an embedded PostgreSQL persisted under `<dataDir>/<service>/postgres`. */
  dataDir: string;
  service: string;
  log?: (message: string) => void;
}

export async function openDatabase({ url, dataDir, service, log }: OpenDatabaseOptions): Promise<DatabaseLocation> {
  if (url) return { url, embedded: false, stop: async () => undefined };
  const embedded = await startEmbeddedPostgres({ dataDir: join(dataDir, service, 'postgres'), database: service, log });
  return { url: embedded.url, embedded: true, stop: embedded.stop, stopServer: embedded.stopServer, startServer: embedded.startServer };
}
