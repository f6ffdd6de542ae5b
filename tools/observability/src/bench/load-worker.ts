/**
 * The load generator's own process: runs autocannon for each `run` message and answers its
 * figures. Apart from the services, niced and pinned by its parent, so that generating load does
 * not take the CPU the services need to answer it.
 */
import { randomUUID } from 'node:crypto';
import autocannon, { type Options, type Result } from 'autocannon';
import type { LoadResult, LoadRun } from './load.ts';

function request(run: LoadRun): NonNullable<Options['requests']>[number] {
  const { target } = run;
  return {
    method: target.method ?? 'GET',
    ...(target.headers ? { headers: target.headers } : {}),
    ...(target.body ? { body: target.body } : {}),
    // Every charge a new one: a repeated key would measure the replay, not the charge.
    ...(target.freshIdempotencyKey
      ? { setupRequest: (current) => ({ ...current, headers: { ...current.headers, 'idempotency-key': randomUUID() } }) }
      : {}),
  };
}

async function runLoad(run: LoadRun): Promise<LoadResult> {
  const result: Result = await autocannon({
    url: run.target.url,
    connections: run.connections,
    duration: run.durationSeconds,
    ...(run.rate ? { overallRate: run.rate } : {}),
    requests: [request(run)],
  });
  return {
    requestsPerSecond: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    statusCounts: Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([status, stats]) => [status, stats.count ?? 0])),
    elapsedSeconds: result.duration,
  };
}

process.on('message', (message: { type: 'run'; id: number; run: LoadRun }) => {
  if (message?.type !== 'run') return;
  runLoad(message.run).then(
    (result) => process.send?.({ type: 'result', id: message.id, result }),
    (error: Error) => process.send?.({ type: 'result', id: message.id, error: error.message }),
  );
});
process.once('disconnect', () => process.exit(0));
process.send?.({ type: 'ready' });
