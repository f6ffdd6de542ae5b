import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { fuzzRoute, type FuzzRouteResult } from './fuzz-route.ts';
import { hostileJsonRequests, type HostileRequest, type JsonRequestsOptions } from './hostile-input.ts';

/** The app a fuzz test attacks and what each of its requests shares. */
export interface FuzzTarget {
  app: FastifyInstance;
  /** A fingerprint of everything the routes could write; it must not change. */
  state: () => Promise<string>;
  /** A valid caller's headers (Authorization), for authenticated routes. */
  headers?: Record<string, string>;
  /** Authorization headers that must be refused; only for authenticated routes. */
  badAuthorization?: fc.Arbitrary<string | undefined>;
}

export type RouteContract = Omit<JsonRequestsOptions, 'method' | 'url' | 'headers' | 'badAuthorization'> & {
  /** Valid and refused URLs; the route's own path (`POST /cart/items` → `/cart/items`) unless given. */
  url?: JsonRequestsOptions['url'];
};

/**
 * fuzzRoute with hostileJsonRequests for one route named as `METHOD /path`: every request breaks
 * `contract` somewhere, and every answer must be a 4xx in the error shape that persists nothing.
 */
export function fuzzJsonRoute(target: FuzzTarget, route: string, contract: RouteContract = {}): Promise<FuzzRouteResult> {
  const [method, path] = route.split(' ') as [HostileRequest['method'], string];
  return fuzzRoute({
    route,
    app: target.app,
    state: target.state,
    requests: hostileJsonRequests({
      ...contract,
      method,
      url: contract.url ?? { valid: fc.constant(path) },
      headers: target.headers,
      badAuthorization: target.badAuthorization,
    }),
  });
}
