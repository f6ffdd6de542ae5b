import { Gauge, Histogram, type Registry } from 'prom-client';
import type pg from 'pg';

/** Seconds: an indexed lookup on a warm connection up to the statement timeout (5 s). */
const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** The statement's verb (`SELECT`, `INSERT`, `BEGIN`…): a bounded label, never the SQL text. */
const VERB = /^\s*(?:WITH\b[\s\S]*?\)\s*)?([A-Za-z]+)/;
const KNOWN = new Set(['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'BEGIN', 'COMMIT', 'ROLLBACK']);

export function operationOf(text: string): string {
  const verb = VERB.exec(text)?.[1]?.toUpperCase() ?? 'OTHER';
  return KNOWN.has(verb) ? verb : 'OTHER';
}

export interface QueryTimer {
  /** Starts timing one statement; call the result with whether it failed. */
  start(text: string): (failed: boolean) => void;
}

/**
 * The pool's state, read when Prometheus scrapes (no timer), and every statement timed by its
 * verb and outcome: enough to tell a slow database from a starved pool.
 */
export function databaseMetrics(registry: Registry, pool: pg.Pool, poolMax: number): QueryTimer {
  new Gauge({
    name: 'db_pool_connections',
    help: 'Connections of the pool to PostgreSQL, by state: idle or used (lent to a query or transaction).',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      this.set({ state: 'idle' }, pool.idleCount);
      this.set({ state: 'used' }, pool.totalCount - pool.idleCount);
    },
  });
  new Gauge({
    name: 'db_pool_max_connections',
    help: 'The most connections the pool may open (DATABASE_POOL_MAX).',
    registers: [registry],
    collect() {
      this.set(poolMax);
    },
  });
  new Gauge({
    name: 'db_pool_waiting_requests',
    help: 'Queries and transactions waiting for a free connection of the pool.',
    registers: [registry],
    collect() {
      this.set(pool.waitingCount);
    },
  });
  const duration = new Histogram({
    name: 'db_query_duration_seconds',
    help: 'Duration of SQL statements, waiting for a connection included, by verb and outcome (ok, error).',
    labelNames: ['operation', 'outcome'] as const,
    buckets: BUCKETS,
    registers: [registry],
  });
  return {
    start(text) {
      const started = process.hrtime.bigint();
      const operation = operationOf(text);
      return (failed) => duration.observe({ operation, outcome: failed ? 'error' : 'ok' }, Number(process.hrtime.bigint() - started) / 1e9);
    },
  };
}
