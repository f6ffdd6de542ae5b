import type { FastifyInstance } from 'fastify';

/** Each `limit` a list route is asked for, and the status it must answer: 100 at most, a positive integer. */
export const PAGE_LIMIT_CASES: ReadonlyArray<readonly [limit: string, status: number]> = [
  ['100', 200],
  ['101', 400],
  ['0', 400],
  ['1000000', 400],
  ['-1', 400],
  ['1.5', 400],
];

/**
 * Asks each list route for every page size of PAGE_LIMIT_CASES and returns one line per answer
 * whose status is not the one wanted (none when the cap holds), and how many requests were sent.
 */
export async function pageLimitProblems(
  app: FastifyInstance,
  urls: string[],
  headers: Record<string, string> = {},
): Promise<{ problems: string[]; requests: number }> {
  const problems: string[] = [];
  let requests = 0;
  for (const url of urls) {
    for (const [limit, wanted] of PAGE_LIMIT_CASES) {
      const response = await app.inject({ url: `${url}?limit=${limit}`, headers });
      requests += 1;
      if (response.statusCode !== wanted) problems.push(`${url}?limit=${limit} answered ${response.statusCode}, wanted ${wanted}`);
    }
  }
  return { problems, requests };
}

export interface CorsOptions {
  /** The app with its default configuration (no CORS_ORIGINS). */
  closed: FastifyInstance;
  /** The app with CORS_ORIGINS set to `allowedOrigin` alone. */
  open: FastifyInstance;
  allowedOrigin: string;
  /** A route a browser would preflight (a write), and one it would call directly (a read). */
  preflightUrl: string;
  url: string;
}

const FOREIGN_ORIGIN = 'https://evil.example';

/** The Access-Control-Allow-Origin each request of `corsAllowedOrigins` got; absent is undefined. */
export interface CorsAnswers {
  /** A foreign origin's preflight, to the closed app. */
  closedPreflight: string | undefined;
  /** A foreign origin's read, from the closed app. */
  closedRead: string | undefined;
  /** The configured origin's read, from the open app. */
  allowedRead: string | undefined;
  /** A foreign origin's read, from the open app. */
  foreignRead: string | undefined;
}

/**
 * What browsers are allowed by each app. CORS closed by default and open to exactly the
 * configured origins is `allowedRead` equal to `allowedOrigin` and every other answer undefined.
 */
export async function corsAllowedOrigins(options: CorsOptions): Promise<CorsAnswers> {
  const allowed = (response: { headers: Record<string, unknown> }) => response.headers['access-control-allow-origin'] as string | undefined;
  const read = (app: FastifyInstance, origin: string) => app.inject({ url: options.url, headers: { origin } });
  const preflight = await options.closed.inject({
    method: 'OPTIONS',
    url: options.preflightUrl,
    headers: { origin: FOREIGN_ORIGIN, 'access-control-request-method': 'POST' },
  });
  return {
    closedPreflight: allowed(preflight),
    closedRead: allowed(await read(options.closed, FOREIGN_ORIGIN)),
    allowedRead: allowed(await read(options.open, options.allowedOrigin)),
    foreignRead: allowed(await read(options.open, FOREIGN_ORIGIN)),
  };
}
