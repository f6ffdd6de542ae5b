import { runDatabaseOutageCheck, type DatabaseOutageDetails, type DatabaseOutageOptions } from './database-outage.ts';
import type { Figure } from './figures.ts';
import { startChaosStack, type ChaosStack, type CheckResult } from './harness.ts';
import { runKillCheck, type KillDetails, type KillOptions } from './kill.ts';
import { runMoneyCheck, type MoneyDetails, type MoneyOptions } from './money.ts';
import { runOverloadCheck, type OverloadDetails, type OverloadOptions } from './overload.ts';
import { runRolloutCheck, type RolloutDetails, type RolloutOptions } from './rollout.ts';
import { runSettleCrashCheck, type SettleCrashDetails, type SettleCrashOptions } from './settle-crash.ts';

type WithoutLog<T> = Omit<T, 'log' | 'stack'>;

export interface ChecksProfile {
  rollout: WithoutLog<RolloutOptions>;
  kill: WithoutLog<KillOptions>;
  databaseOutage: WithoutLog<DatabaseOutageOptions>;
  overload: WithoutLog<OverloadOptions>;
  settleCrash: WithoutLog<SettleCrashOptions>;
  money: WithoutLog<MoneyOptions>;
}

/**
 * The load of the checks that share one stack (rollout, SIGKILL, database outage): one stack has
 * one number of replicas, so they take it, and the load with it, from one place.
 */
type SharedLoad = Pick<RolloutOptions, 'replicas' | 'ratePerSecond' | 'shoppers' | 'steadyMs'>;

const FULL_LOAD: SharedLoad = { replicas: 3, ratePerSecond: 60, shoppers: 48, steadyMs: 5000 };

/**
 * The overload check's flood. Each turn of the replica's event loop serves what every connection
 * sent: the loop's delay grows with the connections and the cost of a request, and must cross the
 * limit on a fast machine too (48 connections kept a faster one at 1,900 answers/s, under it, for
 * the whole flood; 96 shed half).
 */
const OVERLOAD_CONNECTIONS = 96;

/** `npm run reliability` and `npm run chaos:rollout`: the lengths of the full checks. */
export const FULL: ChecksProfile = {
  rollout: { ...FULL_LOAD, minimumRatePerSecond: 50 },
  kill: FULL_LOAD,
  databaseOutage: { ...FULL_LOAD, outageMs: 10_000 },
  overload: { durationMs: 15_000, connections: OVERLOAD_CONNECTIONS, maxEventLoopDelayMs: 30 },
  settleCrash: {},
  money: { replicas: 3, runs: 100, maxSteps: 6 },
};

const SHORT_LOAD: SharedLoad = { replicas: 2, ratePerSecond: 50, shoppers: 36, steadyMs: 2000 };

/**
 * `npm test` (CI, 2 cores shared with everything else): two replicas per service, so every
 * restart still has a peer to take the traffic, and shorter spells. The targets are the same
 * counts; only the rate is not held to 50 req/s on a machine that is busy with other tests.
 */
export const SHORT: ChecksProfile = {
  rollout: { ...SHORT_LOAD, minimumRatePerSecond: 25 },
  kill: SHORT_LOAD,
  // Long enough for a replica stopped as it begins to drain, start again and wait for its database,
  // however busy the machine.
  databaseOutage: { ...SHORT_LOAD, outageMs: 10_000 },
  overload: { durationMs: 6000, connections: OVERLOAD_CONNECTIONS, maxEventLoopDelayMs: 30 },
  settleCrash: {},
  // The money rules need three replicas per service even here; fewer runs.
  money: { replicas: 3, runs: 12, maxSteps: 5 },
};

export type CheckName = keyof ChecksProfile;

/** The checks that share one stack, in this order: one cluster living through a series of incidents. */
const ON_ONE_STACK: CheckName[] = ['rollout', 'kill', 'databaseOutage'];
export const CHECK_NAMES: CheckName[] = [...ON_ONE_STACK, 'overload', 'settleCrash', 'money'];

/** What each check measured, by its name: the `details` of its result. */
export interface CheckDetails {
  rollout: RolloutDetails;
  kill: KillDetails;
  databaseOutage: DatabaseOutageDetails;
  overload: OverloadDetails;
  settleCrash: SettleCrashDetails;
  money: MoneyDetails;
}

export type DetailsOf<Name extends CheckName> = CheckDetails[Name];

export interface ChecksRun {
  figures: Figure[];
  /** Only the checks that ran and finished; one that threw left a failing row instead. */
  details: { [Name in CheckName]?: DetailsOf<Name> };
}

/**
 * What runs each check, and the stack the first three share: the real ones unless a test gives
 * its own, to pin down the order, the shared stack's close and a failing check's row.
 */
export interface CheckRunners {
  startStack: (options: { replicas: number; log: (message: string) => void }) => Promise<ChaosStack>;
  rollout: (options: RolloutOptions) => Promise<CheckResult<RolloutDetails>>;
  kill: (options: KillOptions) => Promise<CheckResult<KillDetails>>;
  databaseOutage: (options: DatabaseOutageOptions) => Promise<CheckResult<DatabaseOutageDetails>>;
  overload: (options: OverloadOptions) => Promise<CheckResult<OverloadDetails>>;
  settleCrash: (options: SettleCrashOptions) => Promise<CheckResult<SettleCrashDetails>>;
  money: (options: MoneyOptions) => Promise<CheckResult<MoneyDetails>>;
}

const REAL_RUNNERS: CheckRunners = {
  startStack: startChaosStack,
  rollout: runRolloutCheck,
  kill: runKillCheck,
  databaseOutage: runDatabaseOutageCheck,
  overload: runOverloadCheck,
  settleCrash: runSettleCrashCheck,
  money: runMoneyCheck,
};

/**
 * Every check of "Zero-downtime restarts and self-healing" (or those named in `only`): the
 * rollout, the SIGKILLs and the database outage on one stack, one after the other (each with
 * its own load and figures; the books are checked across all of them), then the overload and
 * the crash between charge and settle, which need stacks of their own (one service flooded
 * directly; one cart replica, with a hop in front of payment). A check that throws becomes a
 * failing row, and the next one still runs.
 */
export async function runChecks(
  profile: ChecksProfile,
  log: (message: string) => void,
  only: CheckName[] = CHECK_NAMES,
  runners: CheckRunners = REAL_RUNNERS,
): Promise<ChecksRun> {
  const run: ChecksRun = { figures: [], details: {} };
  const attempt = async <Name extends CheckName>(name: Name, check: () => Promise<CheckResult<DetailsOf<Name>>>) => {
    const started = performance.now();
    log(`${name}: running`);
    try {
      const result = await check();
      run.figures.push(...result.figures);
      run.details[name] = result.details;
    } catch (error) {
      run.figures.push({ check: name, load: '-', figure: `did not finish: ${(error as Error).message}`, target: 'a figure', pass: false });
    }
    log(`${name}: done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  };

  const shared = ON_ONE_STACK.filter((name) => only.includes(name));
  if (shared.length > 0) {
    const chaos = await runners.startStack({ replicas: profile.rollout.replicas, log });
    try {
      for (const name of shared) {
        if (name === 'rollout') await attempt(name, () => runners.rollout({ ...profile.rollout, stack: chaos, log }));
        if (name === 'kill') await attempt(name, () => runners.kill({ ...profile.kill, stack: chaos, log }));
        if (name === 'databaseOutage') await attempt(name, () => runners.databaseOutage({ ...profile.databaseOutage, stack: chaos, log }));
      }
    } finally {
      await chaos.close();
    }
  }
  if (only.includes('overload')) await attempt('overload', () => runners.overload({ ...profile.overload, log }));
  if (only.includes('settleCrash')) await attempt('settleCrash', () => runners.settleCrash({ ...profile.settleCrash, log }));
  if (only.includes('money')) await attempt('money', () => runners.money({ ...profile.money, log }));
  return run;
}
