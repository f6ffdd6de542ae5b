/**
 * The short versions of `npm run chaos:rollout` and of the SIGKILL and database-outage checks
 * of `npm run reliability`, on one stack as `npm run reliability` runs them: two replicas per
 * service (every restart or kill still leaves a peer to take the traffic), shorter spells, and
 * the same targets, which are counts, not timings.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHORT } from '../src/checks.ts';
import { runDatabaseOutageCheck } from '../src/database-outage.ts';
import { startChaosStack, type ChaosStack } from '../src/harness.ts';
import { runKillCheck } from '../src/kill.ts';
import { runRolloutCheck } from '../src/rollout.ts';

let chaos: ChaosStack;

beforeAll(async () => {
  chaos = await startChaosStack({ replicas: SHORT.rollout.replicas });
}, 300_000);

afterAll(async () => {
  await chaos?.close();
}, 120_000);

describe('one stack through a series of incidents, under a mixed load through the gateway', () => {
  it('a rolling restart of every replica (SIGTERM, each replacement ready first) fails no request, and every checkout is one charge', async () => {
    const { figures, details } = await runRolloutCheck({ ...SHORT.rollout, stack: chaos });
    const { summary, ledger, restarts } = details;
    expect(restarts).toHaveLength(SHORT.rollout.replicas * 3);
    expect(summary.failureSamples).toEqual([]);
    expect(summary.failures).toBe(0);
    expect(summary.unexpectedSamples).toEqual([]);
    // A mixed load, really: every kind of request, checkouts paid and declined.
    expect(summary.byKind.read).toBeGreaterThan(0);
    expect(summary.byKind['cart-write']).toBeGreaterThan(0);
    expect(summary.checkouts.paid).toBeGreaterThan(0);
    expect(summary.checkouts.declined).toBeGreaterThan(0);
    expect(ledger.problems).toEqual([]);
    expect(figures.filter((figure) => !figure.pass)).toEqual([]);
  }, 900_000);

  it('a replica of each service killed with SIGKILL leaves the rotation and is replaced; nothing sent after a kill fails', async () => {
    const { figures, details } = await runKillCheck({ ...SHORT.kill, stack: chaos });
    const { kills, ledger, summary } = details;
    expect(kills.map((kill) => kill.replica.replace(/-\d+$/, '')).sort()).toEqual(['cart', 'payment', 'user']);
    expect(kills.flatMap((kill) => kill.failuresAfter)).toEqual([]);
    expect(summary.unexpectedSamples).toEqual([]);
    expect(ledger.problems).toEqual([]);
    expect(figures.filter((figure) => !figure.pass)).toEqual([]);
  }, 900_000);

  it('every database stopped: 503 + Retry-After fast, readiness 503, recovery by itself, nothing half-written', async () => {
    const { figures, details } = await runDatabaseOutageCheck({ ...SHORT.databaseOutage, stack: chaos });
    const { summary, otherFailures, ledger } = details;
    expect(otherFailures).toEqual([]);
    // The outage was felt (requests were refused), and told apart from a crash.
    expect(summary.failures).toBeGreaterThan(0);
    expect(summary.unexpectedSamples).toEqual([]);
    expect(ledger.problems).toEqual([]);
    expect(ledger.orders.pending).toBe(0);
    expect(figures.filter((figure) => !figure.pass)).toEqual([]);
  }, 900_000);
});
