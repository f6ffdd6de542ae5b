import { setTimeout as sleep } from 'node:timers/promises';
import { Pool, request } from 'undici';
import { formatCount, formatSeconds, type Figure } from './figures.ts';
import { startChaosStack, type CheckResult } from './harness.ts';

/** The liveness probe of the Deployments: the kubelet restarts a container after this many failures in a row. */
const LIVENESS_FAILURE_THRESHOLD = 3;

export interface OverloadOptions {
  /** How long the flood lasts. */
  durationMs: number;
  /** Connections flooding the replica, each sending its next request as soon as the last is answered. */
  connections: number;
  /** OVERLOAD_MAX_EVENT_LOOP_DELAY_MS of the replica: low, so that the flood crosses it. */
  maxEventLoopDelayMs: number;
  log?: (message: string) => void;
}

/** The flood's answers: served (400, the body refused by validation), shed, or anything else. */
export interface FloodTally {
  ok: number;
  shed: number;
  /** 503 without Retry-After, any other 5xx, or no answer. */
  other: number;
  otherSamples: string[];
}

/** The liveness probe's answers during the flood. */
export interface LivenessTally {
  ok: number;
  total: number;
  /** Milliseconds. */
  slowest: number;
  /** Why each failed probe failed: its status or error code. */
  failures: string[];
  /** Failures in a row at worst: the kubelet restarts at LIVENESS_FAILURE_THRESHOLD. */
  longestFailureRun: number;
}

export interface OverloadDetails {
  tally: FloodTally;
  liveness: LivenessTally;
  /** Serving normally again once the flood was over. */
  recovered: boolean;
  /** The same process still running, not restarted. */
  alive: boolean;
}

/**
 * A real service process (user, started as `npm start` starts it) flooded directly on its port
 * far past what one event loop keeps up with, its load-shedding limit set low. Under pressure
 * it must answer 503 + Retry-After (@fastify/under-pressure) rather than fall over, and /livez
 * must keep answering 200 within the liveness probe's timeout all along, so that the kubelet
 * does not restart an overloaded but healthy process. Afterwards it serves normally again.
 */
export async function runOverloadCheck(options: OverloadOptions): Promise<CheckResult<OverloadDetails>> {
  const log = options.log ?? (() => undefined);
  const chaos = await startChaosStack({
    services: ['user'],
    replicas: 1,
    log,
    env: { OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: String(options.maxEventLoopDelayMs) },
  });
  try {
    const replica = chaos.stack.services.get('user')!.replicas[0]!;
    const pool = new Pool(replica.origin, { connections: options.connections, pipelining: 1 });
    const tally: FloodTally = { ok: 0, shed: 0, other: 0, otherSamples: [] };
    const floodStarted = performance.now();
    // The flood lasts durationMs; on a machine so busy that the replica has not crossed its
    // limit by then (the flood's own client starved too), it goes on until the first 503, up to
    // four times as long.
    const flooding = () => {
      const elapsed = performance.now() - floodStarted;
      return elapsed < options.durationMs || (tally.shed === 0 && elapsed < 4 * options.durationMs);
    };
    // What costs a service most before any handler runs: a big JSON body to parse (under
    // BODY_LIMIT_BYTES), here one that validation then refuses with 400.
    const bulkyBody = JSON.stringify({
      email: 'flood@example.com',
      password: 'correct horse battery',
      name: 'Flood',
      padding: Array.from({ length: 1500 }, (_, index) => ({ index, text: 'lorem ipsum dolor' })),
    });

    const flood = async () => {
      while (flooding()) {
        try {
          const response = await pool.request({
            method: 'POST',
            path: '/user/register',
            headers: { host: 'myshop.com', 'content-type': 'application/json' },
            body: bulkyBody,
            headersTimeout: 30_000,
            bodyTimeout: 30_000,
          });
          await response.body.dump();
          if (response.statusCode === 400) tally.ok += 1;
          else if (response.statusCode === 503 && response.headers['retry-after'] !== undefined) tally.shed += 1;
          else record(tally, `${response.statusCode}`);
        } catch (error) {
          record(tally, (error as { code?: string }).code ?? String(error));
        }
      }
    };

    // The kubelet's liveness probe meanwhile (timeoutSeconds 2, failureThreshold 3), every half second here.
    const liveness: LivenessTally = { ok: 0, total: 0, slowest: 0, failures: [], longestFailureRun: 0 };
    let failureRun = 0;
    const failed = (why: string) => {
      liveness.failures.push(why);
      failureRun += 1;
      liveness.longestFailureRun = Math.max(liveness.longestFailureRun, failureRun);
    };
    const probe = async () => {
      while (flooding()) {
        const started = performance.now();
        liveness.total += 1;
        try {
          const response = await request(`${replica.origin}/livez`, { signal: AbortSignal.timeout(2000) });
          await response.body.dump();
          if (response.statusCode === 200) {
            liveness.ok += 1;
            failureRun = 0;
          } else failed(String(response.statusCode));
        } catch (error) {
          failed((error as { code?: string; name?: string }).code ?? (error as Error).name);
        }
        liveness.slowest = Math.max(liveness.slowest, performance.now() - started);
        await sleep(500);
      }
    };

    await Promise.all([...Array.from({ length: options.connections }, flood), probe()]);
    await pool.close();
    log(`overload: ${tally.ok} served, ${tally.shed} shed, ${tally.other} other; liveness ${liveness.ok}/${liveness.total}`);

    // The pressure is measured once a second: give it a moment to see that the flood is over.
    let recovered = false;
    for (let attempt = 0; attempt < 20 && !recovered; attempt += 1) {
      await sleep(500);
      const response = await request(`${replica.origin}/user/.well-known/jwks.json`).catch(() => undefined);
      await response?.body.dump();
      recovered = response?.statusCode === 200;
    }
    const alive = replica.running && chaos.stack.services.get('user')!.replicas[0] === replica;

    const total = tally.ok + tally.shed + tally.other;
    const load_ = `${options.connections} connections flooding one user replica for ${formatSeconds(options.durationMs)}, OVERLOAD_MAX_EVENT_LOOP_DELAY_MS=${options.maxEventLoopDelayMs}`;
    const figures: Figure[] = [
      {
        check: 'overload: sheds with 503 + Retry-After',
        load: load_,
        figure: `${formatCount(tally.shed)} of ${formatCount(total)} shed with 503 + Retry-After, ${formatCount(tally.ok)} served, ${formatCount(tally.other)} other failures; ${alive ? 'process alive' : 'process DIED'}, ${recovered ? 'serving again after' : 'NOT serving again after'}`,
        target: 'some shed, 0 other failures, alive, serving again',
        pass: tally.shed > 0 && tally.other === 0 && alive && recovered,
      },
      {
        check: 'overload: liveness stays healthy',
        load: load_,
        figure: `${liveness.ok} of ${liveness.total} /livez answered 200 within 2 s (slowest ${formatSeconds(liveness.slowest)}); longest run of failures ${liveness.longestFailureRun}`,
        target: `no restart: fewer than ${LIVENESS_FAILURE_THRESHOLD} failures in a row`,
        pass: liveness.total > 0 && liveness.longestFailureRun < LIVENESS_FAILURE_THRESHOLD,
      },
    ];
    return { figures, details: { tally, liveness, recovered, alive } };
  } finally {
    await chaos.close();
  }
}

function record(tally: FloodTally, what: string): void {
  tally.other += 1;
  if (tally.otherSamples.length < 10) tally.otherSamples.push(what);
}
