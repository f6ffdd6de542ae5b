import { WAITING_FOR_DATABASE } from '@myshop/db';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { formatCount, formatSeconds, type Figure } from './figures.ts';
import { booksFigure, onStack, readStackLedger, startLoad, type ChaosStack, type CheckResult, type LoadDetails } from './harness.ts';
import { isFailure, type Sample } from './mixed-load.ts';

export interface DatabaseOutageOptions {
  /** Replicas per service of a stack of its own. */
  replicas: number;
  ratePerSecond: number;
  shoppers: number;
  /** How long every database stays down (10 s in the full run). */
  outageMs: number;
  steadyMs: number;
  /** The services' REQUEST_TIMEOUT_MS (their default): no answer may take longer than this. */
  requestTimeoutMs?: number;
  recoveryTimeoutMs?: number;
  /** A stack to run on instead of one of its own (left running). */
  stack?: ChaosStack;
  log?: (message: string) => void;
}

/** When the outage happened, in milliseconds into the load, and which replicas said they were not ready. */
export interface Outage {
  startedAt: number;
  /** When the databases were told to start again. */
  restartAt: number;
  /** When every database had started again. */
  databasesBackAt: number;
  /** When every replica was ready again. */
  recoveredAt: number;
  /** The replicas that answered /readyz 503 while their database was down. */
  notReady: string[];
  /** The replica stopped as the outage began, and the one started in its place while the database was away. */
  replaced: { stopped: string; stoppedAt: number; replacement?: string; waited: boolean };
}

export interface DatabaseOutageDetails extends LoadDetails {
  outage: Outage;
  /** The first failures during the outage that were not 503 + Retry-After. */
  otherFailures: Sample[];
}

/** A failure that is what an outage should give: 503 with a Retry-After the client can follow. */
const isPoliteRefusal = (sample: Sample) => sample.status === 503 && sample.retryAfter !== undefined;

/**
 * Every service's PostgreSQL stopped under load for `outageMs`, then started again. While it is
 * down, readiness must turn 503 (the replicas leave the Service), and requests must fail fast
 * with 503 + Retry-After: no hang past the request timeout, no other error, no crash. One replica
 * is stopped as the databases go, and the one started in its place must wait for its database
 * rather than exit. Once it is back the services must recover by themselves, and when the
 * shoppers' retries are through no order or charge may be half-written.
 */
export function runDatabaseOutageCheck(options: DatabaseOutageOptions): Promise<CheckResult<DatabaseOutageDetails>> {
  const log = options.log ?? (() => undefined);
  const requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
  const recoveryTimeoutMs = options.recoveryTimeoutMs ?? 60_000;
  return onStack(options.stack, { replicas: options.replicas, log }, async (chaos) => {
    const { stack } = chaos;
    const services = [...stack.services.values()];
    const { before, load } = await startLoad(chaos, {
      shoppers: options.shoppers,
      ratePerSecond: options.ratePerSecond,
      timeoutMs: requestTimeoutMs * 2,
    });
    await sleep(options.steadyMs);

    const replicasBefore = services.flatMap((service) => service.replicas);
    const outageStart = load.now();
    await Promise.all(services.map((service) => stack.stopDatabase(service.name)));
    log(`database outage: every database stopped at ${formatSeconds(outageStart)}`);

    // Ask each replica itself, as the kubelet does: does /readyz say 503 while the database is away?
    const notReady = new Set<string>();
    const probeUntil = performance.now() + options.outageMs;
    // One replica stopped as the databases go (a node drained, a rollout under way): the supervisor
    // starts another in its place while its database is away, and it must wait for it, not exit.
    const replacedService = services[0]!;
    const stopped = replacedService.replicas[0]!;
    const stoppedAt = load.now();
    // SIGTERM from outside: it drains (its requests get their 503s), exits, and is started again.
    stopped.child!.kill('SIGTERM');
    log(`database outage: ${stopped.name} stopped; another starts in its place while the database is away`);
    while (performance.now() < probeUntil) {
      await Promise.all(
        replicasBefore.map(async (replica) => {
          const status = await request(`${replica.origin}/readyz`, { signal: AbortSignal.timeout(2000) }).then(
            async (response) => (await response.body.dump(), response.statusCode),
            () => 0,
          );
          if (status === 503) notReady.add(replica.name);
        }),
      );
      await sleep(250);
    }

    const restartAt = load.now();
    await Promise.all(services.map((service) => stack.startDatabase(service.name)));
    const databasesBackAt = load.now();
    log(`database outage: every database started again after ${formatSeconds(databasesBackAt - outageStart)}`);
    const deadline = performance.now() + recoveryTimeoutMs;
    while (services.some((service) => service.endpoints.ready().length < service.replicas.length)) {
      if (performance.now() > deadline)
        throw new Error(`not every replica was ready ${recoveryTimeoutMs} ms after the databases came back`);
      await sleep(50);
    }
    const recoveredAt = load.now();
    log(`database outage: every replica ready ${formatSeconds(recoveredAt - databasesBackAt)} after the databases came back`);
    const replacement = replacedService.replicas.find((replica) => !replicasBefore.includes(replica));
    // Its own log says it found the database away and waited (its lines are prefixed with its name).
    const waited = chaos.recentLines(5000).some((line) => line.startsWith(`${replacement?.name} `) && line.includes(WAITING_FOR_DATABASE));
    const replaced: Outage['replaced'] = { stopped: stopped.name, stoppedAt, replacement: replacement?.name, waited };
    await sleep(options.steadyMs);
    const summary = await load.stop();
    const replicasAfter = services.flatMap((service) => service.replicas);
    // Replicas that are new, beside the one started in place of the stopped one.
    const restarts = replicasAfter.filter((replica) => !replicasBefore.includes(replica) && replica !== replacement).length;

    // Everything sent from the moment the databases went until every replica was ready again.
    const during = load.samples.filter((sample) => sample.start >= outageStart && sample.start < recoveredAt);
    const failures = during.filter(isFailure);
    const polite = failures.filter(isPoliteRefusal);
    const other = failures.filter((sample) => !isPoliteRefusal(sample));
    const slowest = Math.max(0, ...during.map((sample) => sample.ms));
    const after = load.samples.filter((sample) => sample.start >= recoveredAt);
    const failedAfter = after.filter(isFailure).length;
    const ledger = await readStackLedger(chaos);

    const replicas = Math.max(...services.map((service) => service.replicas.length));
    const loadText = `${options.ratePerSecond} req/s mixed, ${replicas} replicas × ${services.length} services, every database down ${formatSeconds(databasesBackAt - outageStart)} (stopped, held ${formatSeconds(options.outageMs)}, started)`;
    const figures: Figure[] = [
      {
        check: 'database outage: requests fail fast with 503 + Retry-After',
        load: loadText,
        figure: `${formatCount(polite.length)} × 503 + Retry-After, ${formatCount(other.length)} other failures, ${formatCount(during.length - failures.length)} served; slowest ${formatSeconds(slowest)}`,
        target: `only 503 + Retry-After, none slower than ${formatSeconds(requestTimeoutMs)}`,
        pass: other.length === 0 && slowest < requestTimeoutMs,
      },
      {
        check: 'database outage: readiness turns 503',
        load: loadText,
        figure: `${notReady.size} of ${replicasBefore.length} replicas answered /readyz 503`,
        target: 'all',
        pass: notReady.size === replicasBefore.length,
      },
      {
        check: 'database outage: recovers by itself',
        load: loadText,
        figure: `all replicas ready ${formatSeconds(recoveredAt - databasesBackAt)} after the databases returned; ${restarts} restarts, ${failedAfter} failures after`,
        target: `< ${recoveryTimeoutMs / 1000} s, no restart, no failure after`,
        pass: restarts === 0 && failedAfter === 0,
      },
      {
        check: 'database outage: a replica started while its database is away waits for it',
        load: loadText,
        figure: replacement
          ? `${replacement.name}, started in place of ${stopped.name} (stopped as the databases went), ${waited ? 'waited for its database' : 'never saw its database away'}, ready with the others ${formatSeconds(recoveredAt - databasesBackAt)} after it returned`
          : `no replica took the place of ${stopped.name}`,
        target: 'waits while the database is away, ready once it is back, no exit',
        pass: replacement !== undefined && replacement.running && waited,
      },
      booksFigure('database outage: nothing half-written', loadText, load.checkouts, summary, before, ledger),
    ];
    return {
      figures,
      details: {
        summary,
        ledger,
        outage: { startedAt: outageStart, restartAt, databasesBackAt, recoveredAt, notReady: [...notReady], replaced },
        otherFailures: other.slice(0, 20),
        recentLines: other.length > 0 || failedAfter > 0 || restarts > 0 ? chaos.recentLines(200) : [],
      },
    };
  });
}
