import type { Mode } from './args.ts';
import { failuresText } from './measure.ts';
import { ROUTES, type BenchResults, type LoginResults, type ModeResults } from './results.ts';

export interface TargetVerdict {
  target: string;
  goal: string;
  measured: string;
  /** undefined: not measured in this run (a mode left out), so neither met nor missed. */
  met: boolean | undefined;
}

/**
 * The modes the targets judge: tracing off, and on at the default sampler (what the pods run).
 * `on-100` is a diagnosis, reported but not judged.
 */
export const JUDGED_MODES: readonly Mode[] = ['off', 'on'];

export const GOALS = {
  sameRatio: 0.6,
  peerRatio: 0.6,
  tracingRatio: 0.9,
  halfRateP99Ms: 25,
  rssMb: 160,
  loginRatio: 0.8,
  roundTripsPerCharge: 2,
} as const;

const ratio = (value: number) => value.toFixed(2);

/** Every target of the bench, judged on what was measured. */
export function judgeTargets(results: BenchResults): TargetVerdict[] {
  const verdicts: TargetVerdict[] = [];
  const judged = results.modes.filter((mode) => JUDGED_MODES.includes(mode.mode));
  for (const mode of judged) {
    for (const route of ROUTES) {
      const yardstick = results.yardsticks[route];
      const share = mode.routes[route].saturated.requestsPerSecond / yardstick.measure.saturated.requestsPerSecond;
      const goal = yardstick.name === 'same page' ? GOALS.sameRatio : GOALS.peerRatio;
      verdicts.push({
        target: `${mode.mode}: ${route} ÷ ${yardstick.name}`,
        goal: `>= ${ratio(goal)}`,
        measured: ratio(share),
        met: share >= goal,
      });
    }
  }
  verdicts.push(...tracingVerdicts(results.modes));
  for (const mode of judged) {
    for (const route of ROUTES) {
      const { halfRate } = mode.routes[route];
      verdicts.push({
        target: `${mode.mode}: ${route} p99 at half the saturating rate`,
        goal: `< ${GOALS.halfRateP99Ms} ms`,
        measured: `${halfRate.p99Ms} ms at ${halfRate.rate}/s`,
        met: halfRate.p99Ms < GOALS.halfRateP99Ms,
      });
    }
  }
  for (const mode of judged) {
    for (const [service, memory] of Object.entries(mode.memory)) {
      verdicts.push({
        target: `${mode.mode}: ${service} RSS after the bench, ${memory.podConditions ? "in the pod's memory limit" : 'plain RSS (no pod conditions)'}`,
        goal: `<= ${GOALS.rssMb} MB`,
        measured: `${memory.rssMb} MB`,
        met: memory.rssMb <= GOALS.rssMb,
      });
    }
  }
  verdicts.push(loginVerdict(results.login));
  const perCharge = results.roundTrips.roundTrips / results.roundTrips.charges;
  verdicts.push({
    target: 'database round trips per POST /payment/charges',
    goal: `<= ${GOALS.roundTripsPerCharge}`,
    measured: Number.isInteger(perCharge) ? String(perCharge) : perCharge.toFixed(2),
    met: perCharge <= GOALS.roundTripsPerCharge,
  });
  return verdicts;
}

/**
 * Successful logins per second against what the user service's usable cores can hash. A run with
 * any other answer (401, 429, 5xx) or error measured refusals too: the row says so and fails.
 */
function loginVerdict(login: LoginResults): TargetVerdict {
  const target = 'POST /user/login ÷ the argon2 limit';
  const goal = `>= ${ratio(GOALS.loginRatio)}`;
  const failures = failuresText(login.saturated);
  if (failures) return { target, goal, measured: `answers other than ${login.saturated.status}: ${failures}: not a measure`, met: false };
  const share = login.saturated.successesPerSecond / login.limit.loginsPerSecond;
  return {
    target,
    goal,
    measured: `${ratio(share)} (${login.saturated.successesPerSecond.toFixed(0)} of ${login.limit.loginsPerSecond.toFixed(0)} logins/s)`,
    met: share >= GOALS.loginRatio,
  };
}

function tracingVerdicts(modes: ModeResults[]): TargetVerdict[] {
  const off = modes.find((mode) => mode.mode === 'off');
  const on = modes.find((mode) => mode.mode === 'on');
  return ROUTES.map((route) => {
    const target = `${route}: tracing on (default sampler) ÷ off`;
    const goal = `>= ${ratio(GOALS.tracingRatio)}`;
    if (!off || !on) return { target, goal, measured: 'not measured: needs the modes off and on', met: undefined };
    const share = on.routes[route].saturated.requestsPerSecond / off.routes[route].saturated.requestsPerSecond;
    return { target, goal, measured: ratio(share), met: share >= GOALS.tracingRatio };
  });
}

/** Whether `--strict` fails the run: a target missed (one not measured is not a miss). */
export function anyMissed(verdicts: TargetVerdict[]): boolean {
  return verdicts.some((verdict) => verdict.met === false);
}
