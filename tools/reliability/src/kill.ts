import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { formatCount, formatSeconds, type Figure } from './figures.ts';
import { booksFigure, onStack, readStackLedger, startLoad, type ChaosStack, type CheckResult, type LoadDetails } from './harness.ts';
import { isFailure, type Sample } from './mixed-load.ts';

export interface KillOptions {
  /** Replicas per service of a stack of its own. */
  replicas: number;
  ratePerSecond: number;
  shoppers: number;
  /** Load before the first kill, between kills and after the last recovery. */
  steadyMs: number;
  /** Longest a recovery may take before the check gives up on it. */
  recoveryTimeoutMs?: number;
  /** A stack to run on instead of one of its own (left running). */
  stack?: ChaosStack;
  log?: (message: string) => void;
}

export interface Kill {
  replica: string;
  /** Milliseconds into the load. */
  killedAt: number;
  /** From SIGKILL until every replica of the service is ready again (a new one in its slot). */
  recoveryMs: number;
  /** Requests in flight when the replica died that got no answer or a 5xx. */
  lostInFlight: number;
  /** Failures among requests sent after the kill, until it was healed: the gateway still sending to the dead replica. */
  failedAfter: number;
  failuresAfter: Sample[];
}

export interface KillDetails extends LoadDetails {
  /** One per service, in the order they were killed. */
  kills: Kill[];
}

/**
 * One replica of each service killed with SIGKILL under load, in turn: no drain, no goodbye.
 * The gateway must stop sending to it and the supervisor must bring a new one (restartPolicy
 * Always). Figures: requests lost (those in flight on it; reported as they are), failures among
 * requests sent after the kill (target 0), seconds until all replicas are ready again, and
 * the books once the shoppers' retries of interrupted checkouts are through.
 */
export function runKillCheck(options: KillOptions): Promise<CheckResult<KillDetails>> {
  const log = options.log ?? (() => undefined);
  const recoveryTimeoutMs = options.recoveryTimeoutMs ?? 120_000;
  return onStack(options.stack, { replicas: options.replicas, log }, async (chaos) => {
    const { stack } = chaos;
    const { before, load } = await startLoad(chaos, { shoppers: options.shoppers, ratePerSecond: options.ratePerSecond });
    await sleep(options.steadyMs);

    const kills: Kill[] = [];
    for (const service of stack.services.values()) {
      const slots = service.replicas.length;
      const victim = service.replicas[0]!;
      const exited = once(victim.child!, 'exit');
      const killedAt = load.now();
      victim.child!.kill('SIGKILL');
      await exited;
      // Healed: every slot holds a live replica other than the victim, and all of them are in rotation.
      const deadline = performance.now() + recoveryTimeoutMs;
      while (
        service.replicas.includes(victim) ||
        service.endpoints.ready().length < slots ||
        service.endpoints.all().some((endpoint) => endpoint.name === victim.name)
      ) {
        if (performance.now() > deadline) throw new Error(`${victim.name} was not replaced within ${recoveryTimeoutMs} ms`);
        await sleep(50);
      }
      const recoveryMs = load.now() - killedAt;
      kills.push({ replica: victim.name, killedAt, recoveryMs, lostInFlight: 0, failedAfter: 0, failuresAfter: [] });
      log(`kill: ${victim.name} replaced, all ${slots} ready ${formatSeconds(recoveryMs)} after the kill`);
      await sleep(options.steadyMs);
    }
    const summary = await load.stop();
    const after = await readStackLedger(chaos);
    // Counted once every request has its answer: those in flight at each kill, and those sent until it was healed.
    for (const kill of kills) {
      const inFlight = load.samples.filter((sample) => sample.start < kill.killedAt && sample.start + sample.ms >= kill.killedAt);
      const sentAfter = load.samples.filter((sample) => sample.start >= kill.killedAt && sample.start < kill.killedAt + kill.recoveryMs);
      const failures = sentAfter.filter(isFailure);
      kill.lostInFlight = inFlight.filter(isFailure).length;
      kill.failedAfter = failures.length;
      kill.failuresAfter = failures.slice(0, 10);
    }

    const lost = kills.reduce((sum, kill) => sum + kill.lostInFlight, 0);
    const failedAfter = kills.reduce((sum, kill) => sum + kill.failedAfter, 0);
    const slowest = Math.max(...kills.map((kill) => kill.recoveryMs));
    const replicas = Math.max(...[...stack.services.values()].map((service) => service.replicas.length));
    const loadText = `${options.ratePerSecond} req/s mixed, ${replicas} replicas × ${stack.services.size} services, SIGKILL ${kills.map((kill) => kill.replica).join(', ')}`;
    const figures: Figure[] = [
      {
        check: 'SIGKILL: requests lost',
        load: loadText,
        figure: `${formatCount(lost)} lost, in flight at the kills (of ${formatCount(summary.requests)}); ${formatCount(failedAfter)} of those sent after a kill failed`,
        target: 'reported; 0 sent after a kill fail',
        pass: failedAfter === 0,
      },
      {
        check: 'SIGKILL: seconds until all replicas ready again',
        load: loadText,
        figure: kills.map((kill) => `${kill.replica} ${formatSeconds(kill.recoveryMs)}`).join(', '),
        target: `restarted by the supervisor, < ${recoveryTimeoutMs / 1000} s`,
        pass: slowest < recoveryTimeoutMs,
      },
      booksFigure('SIGKILL: checkouts completed = charges created', loadText, load.checkouts, summary, before, after),
    ];
    return { figures, details: { summary, ledger: after, kills, recentLines: failedAfter > 0 ? chaos.recentLines() : [] } };
  });
}
