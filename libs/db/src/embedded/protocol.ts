/** Messages between a service and the keeper process that owns its embedded PostgreSQL. */
export interface KeeperRequest {
  dataDir: string;
  database: string;
  /** Trade durability for speed: right for throw-away test clusters, wrong for dev data. */
  durable: boolean;
}

export type KeeperMessage =
  | { type: 'ready'; port: number; user: string; password: string }
  | { type: 'failed'; message: string };
