/** Messages between a service and the keeper process that owns its embedded PostgreSQL. */
export interface KeeperRequest {
  dataDir: string;
  database: string;
  /** Trade durability for speed: right for throw-away test clusters, wrong for dev data. */
  durable: boolean;
  /** A port to try first; taken, another is chosen. */
  port?: number;
  /** A folder to remove once PostgreSQL has stopped (a throw-away cluster's), see EmbeddedPostgresOptions. */
  removeWhenStopped?: string;
}

export type KeeperMessage =
  | {
      type: 'ready';
      port: number;
      user: string;
      password: string;
      /** Where the cluster lives: the requested directory, unless it had to move (see `notes`). */
      dataDir: string;
      /** What was placed elsewhere than asked, and why (one line each). */
      notes: string[];
    }
  | { type: 'failed'; message: string };

/** The keeper's answer to `stop-server` or `start-server`. */
export type KeeperReply = { type: 'server-stopped' } | { type: 'server-started' } | { type: 'server-failed'; message: string };

/**
 * After `ready`: `stop` ends the keeper (and PostgreSQL); `stop-server` and `start-server` stop
 * PostgreSQL and start it again on the same port with the same data, the keeper staying up:
 * a database outage that tests can cause and end.
 */
export type KeeperCommand = 'stop' | 'stop-server' | 'start-server';
