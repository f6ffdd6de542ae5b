import { Histogram, type Registry } from 'prom-client';

/** `ok`, `rejected` (4xx), the `unavailable` reasons, or `error` (a bug on our side). */
export type CallOutcomeLabel = 'ok' | 'rejected' | 'timeout' | 'connection' | 'server-error' | 'bad-response' | 'error';

const NAME = 'http_client_request_duration_seconds';
/** Seconds: from a keep-alive round trip inside the cluster to a call that hit its deadline. */
const BUCKETS = [0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Times outbound calls in the app's registry. Every client of one app shares the histogram
 * (told apart by `target`), so it is created by the first and found by the others.
 */
export function callTimer(registry: Registry, target: string) {
  const histogram =
    (registry.getSingleMetric(NAME) as Histogram<'target' | 'method' | 'outcome'> | undefined) ??
    new Histogram({
      name: NAME,
      help: 'Duration of calls to other services, by target service, method and outcome.',
      labelNames: ['target', 'method', 'outcome'] as const,
      buckets: BUCKETS,
      registers: [registry],
    });
  return {
    start(method: string): (outcome: CallOutcomeLabel) => void {
      const started = process.hrtime.bigint();
      return (outcome) => histogram.observe({ target, method, outcome }, Number(process.hrtime.bigint() - started) / 1e9);
    },
  };
}
