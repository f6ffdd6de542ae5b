import autocannon, { type Options, type Result } from 'autocannon';

export interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Answers outside 2xx, and socket errors or timeouts: a run with any of them is not a measure. */
  non2xx: number;
  errors: number;
}

export interface LoadTarget {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** A fresh header value per request (e.g. an Idempotency-Key), computed when the request is made. */
  perRequestHeaders?: () => Record<string, string>;
}

/** One autocannon run against `target`: saturating with `connections`, or held at `rate` req/s. */
export async function load(target: LoadTarget, options: { connections: number; durationSeconds: number; rate?: number }): Promise<LoadResult> {
  const request: NonNullable<Options['requests']>[number] = {
    method: target.method ?? 'GET',
    ...(target.headers ? { headers: target.headers } : {}),
    ...(target.body ? { body: target.body } : {}),
    ...(target.perRequestHeaders
      ? { setupRequest: (current) => ({ ...current, headers: { ...current.headers, ...target.perRequestHeaders!() } }) }
      : {}),
  };
  const result: Result = await autocannon({
    url: target.url,
    connections: options.connections,
    duration: options.durationSeconds,
    ...(options.rate ? { overallRate: options.rate } : {}),
    requests: [request],
  });
  return {
    requestsPerSecond: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}
