import type { Argon2Limit } from '../../src/bench/argon2-limit.ts';
import type { Mode } from '../../src/bench/args.ts';
import type { LoadResult } from '../../src/bench/load.ts';
import type { SuccessMeasure } from '../../src/bench/measure.ts';
import { ROUTES, type BenchResults, type ModeResults, type Route, type RouteMeasure, type ServiceMemory } from '../../src/bench/results.ts';

/** A run of one second in which every answer was a 200. */
export function loadResult(requestsPerSecond: number, p99Ms = 5): LoadResult {
  return { requestsPerSecond, p50Ms: 1, p99Ms, non2xx: 0, errors: 0, statusCounts: { '200': requestsPerSecond }, elapsedSeconds: 1 };
}

/** Login measured at `successesPerSecond` 200s, and nothing else. */
export function loginMeasure(successesPerSecond: number): SuccessMeasure {
  return {
    status: 200,
    successesPerSecond,
    successes: successesPerSecond * 3,
    best: loadResult(successesPerSecond),
    otherAnswers: {},
    errors: 0,
  };
}

export function measure(requestsPerSecond: number, halfRateP99Ms = 10): RouteMeasure {
  return {
    saturated: loadResult(requestsPerSecond),
    halfRate: { ...loadResult(requestsPerSecond / 2, halfRateP99Ms), rate: requestsPerSecond / 2 },
  };
}

export function memory(rssMb: number, podConditions = true): ServiceMemory {
  return {
    rssMb,
    heapUsedMb: 40,
    heapTotalMb: 50,
    podConditions,
    conditions: podConditions ? 'memory cgroup limited to 256 MiB' : 'plain RSS on the host',
  };
}

export function modeResults(mode: Mode, rps: Partial<Record<Route, number>> = {}, overrides: Partial<ModeResults> = {}): ModeResults {
  return {
    mode,
    label: mode,
    routes: Object.fromEntries(ROUTES.map((route) => [route, measure(rps[route] ?? 1000)])) as Record<Route, RouteMeasure>,
    memory: { user: memory(120), payment: memory(130), cart: memory(140) },
    ...overrides,
  };
}

export const LIMIT: Argon2Limit = {
  parameters: { memory: 19_456, passes: 2, parallelism: 1, tagLength: 32 },
  hashMs: 20,
  env: { MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '131072' },
  cores: 2,
  coresBasis: '2 CPUs allowed, a thread pool of 4, no CPU quota',
  loadAverage: 0.5,
  loginsPerSecond: 100,
};

/** A run in which every target is met: the tests change one figure at a time. */
export function passingResults(): BenchResults {
  return {
    yardsticks: {
      'GET /cart/products': { name: 'same page', measure: measure(1000) },
      'GET /user/me': { name: 'bare peer', measure: measure(1000) },
      'GET /cart': { name: 'bare peer', measure: measure(1000) },
      'POST /payment/charges': { name: 'bare peer', measure: measure(1000) },
    },
    modes: [modeResults('off'), modeResults('on')],
    login: { mode: 'off', saturated: loginMeasure(90), limit: LIMIT },
    roundTrips: { charges: 20, roundTrips: 40, statements: ['BEGIN', 'COMMIT'] },
  };
}
