import { Gauge, Histogram, type Registry } from 'prom-client';
import type pg from 'pg';

/** Seconds: an indexed lookup on a warm connection up to the statement timeout (5 s). */
const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

const FIRST_WORD = /^\s*([A-Za-z]+)/;
const KNOWN = new Set(['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'BEGIN', 'COMMIT', 'ROLLBACK']);
const MAIN_VERBS = new Set(['SELECT', 'INSERT', 'UPDATE', 'DELETE']);
/**
 * A word, a parenthesis, or what may hold either and is neither: a comment (whose apostrophes are
 * no quotes), a quoted string or identifier (whose parentheses are no nesting).
 */
const TOKEN = /--[^\n]*|\/\*[\s\S]*?\*\/|'(?:[^']|'')*'|"(?:[^"]|"")*"|[A-Za-z_][\w$]*|[()]/g;
/** The services' statements are constants in their code: a statement's verb is read once. */
const verbOfStatement = new Map<string, string>();
const MAX_REMEMBERED = 1000;

/**
 * The statement's verb (`SELECT`, `INSERT`, `BEGIN`…): a bounded label, never the SQL text. A
 * statement that starts with `WITH` is labelled by its main statement, the first verb outside
 * every parenthesis: `WITH work AS (INSERT … VALUES (…)) INSERT … SELECT … FROM work` is an INSERT.
 */
export function operationOf(text: string): string {
  const first = FIRST_WORD.exec(text)?.[1]?.toUpperCase() ?? 'OTHER';
  if (first !== 'WITH') return KNOWN.has(first) ? first : 'OTHER';
  let verb = verbOfStatement.get(text);
  if (verb === undefined) {
    verb = mainVerbAfterCtes(text);
    if (verbOfStatement.size < MAX_REMEMBERED) verbOfStatement.set(text, verb);
  }
  return verb;
}

function mainVerbAfterCtes(text: string): string {
  let depth = 0;
  for (const [token] of text.matchAll(TOKEN)) {
    if (token === '(') depth += 1;
    else if (token === ')') depth -= 1;
    else if (depth === 0 && MAIN_VERBS.has(token.toUpperCase())) return token.toUpperCase();
  }
  return 'OTHER';
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
