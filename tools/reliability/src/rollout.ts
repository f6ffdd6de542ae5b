import { setTimeout as sleep } from 'node:timers/promises';
import { formatCount, formatSeconds, type Figure } from './figures.ts';
import { booksFigure, onStack, readStackLedger, startLoad, type ChaosStack, type CheckResult, type LoadDetails } from './harness.ts';

export interface RolloutOptions {
  /** Replicas per service of a stack of its own (3 in the full run). */
  replicas: number;
  /** Requests per second the load aims at. */
  ratePerSecond: number;
  /** The rate the figure must reach (the target: 50 req/s). */
  minimumRatePerSecond: number;
  shoppers: number;
  /** Load before the first restart and after the last one. */
  steadyMs: number;
  /** A stack to run on instead of one of its own (left running). */
  stack?: ChaosStack;
  log?: (message: string) => void;
}

/** One replica replaced: the old name → the new one, and how long the replacement took to be ready. */
export interface Restart {
  replica: string;
  ms: number;
}

export interface RolloutDetails extends LoadDetails {
  /** Every replica of every service, in the order they were replaced. */
  restarts: Restart[];
}

/**
 * A rolling restart under load, as a Deployment rollout does it with `maxUnavailable: 0`: for
 * every replica of every service in turn, a new replica starts and must be ready, the old one
 * leaves the Service and gets SIGTERM, drains and exits. Meanwhile shoppers browse, fill carts
 * and check out through the gateway. Figures: failed requests (target 0), the rate kept, and
 * the books: checkouts completed = charges made, none twice, nothing half-written.
 */
export function runRolloutCheck(options: RolloutOptions): Promise<CheckResult<RolloutDetails>> {
  const log = options.log ?? (() => undefined);
  return onStack(options.stack, { replicas: options.replicas, log }, async (chaos) => {
    const { stack } = chaos;
    const { before, load } = await startLoad(chaos, { shoppers: options.shoppers, ratePerSecond: options.ratePerSecond });
    await sleep(options.steadyMs);

    const restarts: Restart[] = [];
    for (const service of stack.services.values()) {
      for (let index = 0; index < service.replicas.length; index += 1) {
        const old = service.replicas[index]!.name;
        const started = performance.now();
        await stack.replaceReplica(service.name, index);
        const ms = performance.now() - started;
        restarts.push({ replica: `${old} → ${service.replicas[index]!.name}`, ms });
        log(`rollout: ${old} replaced by ${service.replicas[index]!.name} in ${formatSeconds(ms)}`);
      }
    }
    await sleep(options.steadyMs);
    const summary = await load.stop();
    const after = await readStackLedger(chaos);

    const replicas = Math.max(...[...stack.services.values()].map((service) => service.replicas.length));
    const loadText = `${options.ratePerSecond} req/s mixed, ${replicas} replicas × ${stack.services.size} services, ${restarts.length} SIGTERM restarts`;
    const figures: Figure[] = [
      {
        check: 'rollout: failed requests (5xx or no answer)',
        load: loadText,
        figure: `${formatCount(summary.failures)} of ${formatCount(summary.requests)}`,
        target: '0',
        pass: summary.failures === 0,
      },
      {
        check: 'rollout: request rate kept',
        load: loadText,
        figure: `${summary.ratePerSecond.toFixed(1)} req/s over ${summary.seconds.toFixed(0)} s (${formatCount(summary.byKind.read)} reads, ${formatCount(summary.byKind['cart-write'])} cart writes, ${formatCount(summary.byKind.checkout)} checkout calls)`,
        target: `≥ ${options.minimumRatePerSecond} req/s`,
        pass: summary.ratePerSecond >= options.minimumRatePerSecond,
      },
      booksFigure('rollout: checkouts completed = charges created', loadText, load.checkouts, summary, before, after),
    ];
    return { figures, details: { summary, ledger: after, restarts, recentLines: summary.failures > 0 ? chaos.recentLines() : [] } };
  });
}
