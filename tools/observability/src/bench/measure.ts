import type { LoadGenerator, LoadResult, LoadTarget } from './load.ts';
import type { RouteMeasure } from './results.ts';

/** Who answers a route in one measure: a mode's service, or the route's yardstick. */
export interface Contender {
  name: string;
  target: LoadTarget;
}

export interface MeasureSettings {
  connections: number;
  durationSeconds: number;
  rounds: number;
  warmupSeconds: number;
}

/** A run with any non-2xx answer or error measured something else than the route: stop there. */
export function checked(what: string, result: LoadResult): LoadResult {
  if (result.non2xx + result.errors > 0)
    throw new Error(`${what}: ${result.non2xx} non-2xx answers and ${result.errors} errors: not a measure`);
  return result;
}

/** The better of two runs: on a shared machine, interference only ever makes a run slower. */
export function better(a: LoadResult | undefined, b: LoadResult): LoadResult {
  return !a || b.requestsPerSecond > a.requestsPerSecond ? b : a;
}

/** The order of round `round`: each round starts one contender further, so none always goes first. */
export function rotation<T>(contenders: T[], round: number): T[] {
  const shift = round % contenders.length;
  return [...contenders.slice(shift), ...contenders.slice(0, shift)];
}

/**
 * One route, every contender one after the other, `rounds` times in rotating order, keeping each
 * one's best saturating run: they all meet the same machine, whatever else runs on it meanwhile.
 * Then each held at half its best rate, again `rounds` times in rotating order, keeping its
 * lowest p99: a tail is where another process taking the core shows most.
 */
export async function measureRoute(
  route: string,
  contenders: Contender[],
  load: LoadGenerator,
  settings: MeasureSettings,
): Promise<Map<string, RouteMeasure>> {
  const { connections, durationSeconds } = settings;
  for (const contender of contenders) await load.run(contender.target, { connections, durationSeconds: settings.warmupSeconds });
  const best = await keptOverRounds(contenders, settings.rounds, better, async (contender) =>
    checked(`${route} (${contender.name})`, await load.run(contender.target, { connections, durationSeconds })),
  );
  const rates = new Map(
    contenders.map((contender) => [contender.name, Math.max(1, Math.round(best.get(contender.name)!.requestsPerSecond / 2))]),
  );
  const calmest = await keptOverRounds(contenders, settings.rounds, calmer, async (contender) => {
    const rate = rates.get(contender.name)!;
    return checked(`${route} (${contender.name}) at ${rate}/s`, await load.run(contender.target, { connections, durationSeconds, rate }));
  });
  return new Map(
    contenders.map((contender) => [
      contender.name,
      { saturated: best.get(contender.name)!, halfRate: { ...calmest.get(contender.name)!, rate: rates.get(contender.name)! } },
    ]),
  );
}

/** The run of the two with the lower p99. */
function calmer(a: LoadResult | undefined, b: LoadResult): LoadResult {
  return !a || b.p99Ms < a.p99Ms ? b : a;
}

/** Each contender run once per round, rounds in rotating order, keeping its run that `keep` prefers. */
async function keptOverRounds(
  contenders: Contender[],
  rounds: number,
  keep: (kept: LoadResult | undefined, run: LoadResult) => LoadResult,
  run: (contender: Contender) => Promise<LoadResult>,
): Promise<Map<string, LoadResult>> {
  const kept = new Map<string, LoadResult>();
  for (let round = 0; round < rounds; round += 1) {
    for (const contender of rotation(contenders, round)) kept.set(contender.name, keep(kept.get(contender.name), await run(contender)));
  }
  return kept;
}

/** A target measured by its successful answers only, with every other answer kept to be reported. */
export interface SuccessMeasure {
  /** The status that counts as a success. */
  status: number;
  /** Successful answers per second of the best round. */
  successesPerSecond: number;
  /** Successful answers over every run, the warm-up included: what the CPU of the whole stretch served. */
  successes: number;
  /** The best round as autocannon saw it (its p99 is of the 2xx answers). */
  best: LoadResult;
  /** Over every measured round: the answers of any other status, by status code. */
  otherAnswers: Record<string, number>;
  /** Over every measured round: socket errors and timeouts. */
  errors: number;
}

/** Answers with `status` per second of the run: requests.average counts every answer, whatever its status. */
export function successesPerSecond(result: LoadResult, status: number): number {
  return (result.statusCounts[String(status)] ?? 0) / result.elapsedSeconds;
}

/**
 * Best of `rounds` saturating runs of one target, after a warm-up, counting only the answers of
 * `status`: for login, which has no yardstick to rotate with and whose 401 and 429 are cheap
 * refusals, not logins. Any other answer or error is added up for the report, not thrown: the
 * target's row shows it and fails. Each run lasts `minimumSeconds` at least: a request that takes
 * most of a second (one argon2 hash on a busy machine) needs a few to average.
 */
export async function measureSuccesses(
  target: LoadTarget,
  status: number,
  load: LoadGenerator,
  settings: MeasureSettings,
  minimumSeconds = 5,
): Promise<SuccessMeasure> {
  const warmUp = await load.run(target, { connections: settings.connections, durationSeconds: settings.warmupSeconds });
  let successes = warmUp.statusCounts[String(status)] ?? 0;
  const durationSeconds = Math.max(settings.durationSeconds, minimumSeconds);
  const otherAnswers: Record<string, number> = {};
  let errors = 0;
  let best: LoadResult | undefined;
  for (let round = 0; round < settings.rounds; round += 1) {
    const result = await load.run(target, { connections: settings.connections, durationSeconds });
    successes += result.statusCounts[String(status)] ?? 0;
    for (const [code, count] of Object.entries(result.statusCounts))
      if (code !== String(status)) otherAnswers[code] = (otherAnswers[code] ?? 0) + count;
    errors += result.errors;
    if (!best || successesPerSecond(result, status) > successesPerSecond(best, status)) best = result;
  }
  return { status, successesPerSecond: successesPerSecond(best!, status), successes, best: best!, otherAnswers, errors };
}

/** What else than successes a measure met, as a phrase (`401 ×12, 429 ×3, 2 errors`), or undefined when nothing. */
export function failuresText(measure: SuccessMeasure): string | undefined {
  const parts = Object.entries(measure.otherAnswers).map(([code, count]) => `${code} ×${count}`);
  if (measure.errors > 0) parts.push(`${measure.errors} errors`);
  return parts.length > 0 ? parts.join(', ') : undefined;
}
