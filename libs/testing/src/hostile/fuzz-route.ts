import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import type { HostileRequest } from './hostile-input.ts';
import { writeReliabilityFigure } from '../reports/reliability-figure.ts';
import { errorShapeProblems, leakProblems } from './response-checks.ts';
import type { TestDatabase } from '../database/test-database.ts';

/** Runs per write route; `FUZZ_RUNS` raises it for a longer local run (never below 1,000). */
export const FUZZ_RUNS = Math.max(1000, Number(process.env.FUZZ_RUNS ?? 0) || 0);

/** A fuzzed route's test timeout: 1,000 requests take seconds alone, minutes on a busy machine; never a timing assertion. */
export const FUZZ_TIMEOUT_MS = 600_000;

export interface FuzzRouteOptions {
  /** `POST /cart/items`: names the check and its figure. */
  route: string;
  app: FastifyInstance;
  requests: fc.Arbitrary<HostileRequest>;
  /** A fingerprint of everything the route could write; it must not change. */
  state: () => Promise<string>;
  numRuns?: number;
  /** Fixes the run, e.g. to replay a failure fast-check reported. */
  seed?: number;
}

export interface FuzzRouteResult {
  inputs: number;
  serverErrors: number;
  /** How many answers each status got, e.g. `{ 400: 812, 401: 61, 415: 80 }`. */
  statuses: Record<number, number>;
  /** How many inputs of each kind were tried (malformed body, invalid JSON, …). */
  kinds: Record<string, number>;
}

/**
 * Sends `numRuns` hostile requests to one app (one database for the whole property, so 1,000 runs
 * stay fast) and requires of every answer: a 4xx, never a 5xx; the JSON error shape; no stack
 * trace or SQL; and nothing persisted (`state` unchanged). Writes the figure
 * `reports/reliability/fuzz-<route>.json` whatever the outcome, then fails with fast-check's
 * (shrunk) counterexample if any answer broke a rule.
 */
export async function fuzzRoute(options: FuzzRouteOptions): Promise<FuzzRouteResult> {
  const { app, route, state } = options;
  const numRuns = options.numRuns ?? FUZZ_RUNS;
  const result: FuzzRouteResult = { inputs: 0, serverErrors: 0, statuses: {}, kinds: {} };
  const before = await state();

  const property = fc.asyncProperty(options.requests, async (request) => {
    const response = await app.inject({ method: request.method, url: request.url, headers: request.headers, payload: request.payload });
    result.inputs += 1;
    result.statuses[response.statusCode] = (result.statuses[response.statusCode] ?? 0) + 1;
    result.kinds[request.kind] = (result.kinds[request.kind] ?? 0) + 1;
    if (response.statusCode >= 500) result.serverErrors += 1;
    const problems = [
      ...(response.statusCode < 400 || response.statusCode >= 500 ? [`status ${response.statusCode}, not a 4xx`] : []),
      ...errorShapeProblems(response),
      ...leakProblems(response),
    ];
    const after = await state();
    if (after !== before) problems.push('something was persisted');
    if (problems.length > 0) {
      throw new Error(`${request.kind}: ${problems.join('; ')}\nanswer ${response.statusCode}: ${response.body.slice(0, 300)}`);
    }
  });

  let failure: unknown;
  try {
    await fc.assert(property, { numRuns, seed: options.seed, endOnFailure: false });
  } catch (error) {
    failure = error;
  }
  writeReliabilityFigure({
    check: `fuzz ${route}`,
    load: `${result.inputs} malformed inputs (${Object.entries(result.statuses)
      .map(([status, count]) => `${status}: ${count}`)
      .join(', ')})`,
    figure: `${result.serverErrors} 5xx${failure ? ', failed' : ''}`,
    target: `0 5xx, all 4xx in the error shape, nothing persisted, ≥ ${numRuns} inputs`,
    pass: !failure && result.serverErrors === 0 && result.inputs >= numRuns,
  });
  if (failure) throw failure;
  return result;
}

/**
 * A fingerprint of whole tables: changes when any row is added, removed or altered. `tables`
 * are names from the test's own migrations, never input.
 */
export function tableState(database: TestDatabase, tables: string[]): () => Promise<string> {
  const query = tables
    .map(
      (table) =>
        `SELECT '${table}' AS name, count(*)::int AS rows, md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS digest FROM ${table} t`,
    )
    .join(' UNION ALL ');
  return async () => JSON.stringify(await database.query(query));
}
