import type { FastifyInstance } from 'fastify';
import { writeReliabilityFigure } from '../reports/reliability-figure.ts';
import { errorShapeProblems, leakProblems, type ResponseLike } from './response-checks.ts';

/** A request to an authenticated route, without its Authorization header. */
export interface RouteCall {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  payload?: unknown;
}

/** A token every verifier must refuse, named by what is wrong with it (see `forgedTokens` of @myshop/auth/testing). */
export interface ForgedToken {
  name: string;
  token: string;
}

export const describeCall = (call: RouteCall) => `${call.method} ${call.url}`;

/**
 * Headers a JSON API answers with (OWASP REST): no caching of private data, no sniffing, no
 * framing, no source at all for a browser to load, HTTPS only, nothing naming the framework.
 */
export function securityHeaderProblems(response: ResponseLike): string[] {
  const headers = response.headers;
  const problems: string[] = [];
  const expect = (name: string, test: (value: string) => boolean, wanted: string) => {
    const value = headers[name] === undefined ? undefined : String(headers[name]);
    if (value === undefined || !test(value)) problems.push(`${name} is ${value ?? '(absent)'}, wanted ${wanted}`);
  };
  expect('content-type', (value) => value.startsWith('application/json'), 'application/json');
  expect('x-content-type-options', (value) => value === 'nosniff', 'nosniff');
  expect(
    'content-security-policy',
    (value) => value.includes("default-src 'none'") && value.includes("frame-ancestors 'none'"),
    "default-src 'none'; frame-ancestors 'none'",
  );
  expect('x-frame-options', (value) => value === 'DENY', 'DENY');
  expect('strict-transport-security', (value) => /max-age=\d{6,}/.test(value), 'max-age of at least 100000 s');
  expect('referrer-policy', (value) => value === 'no-referrer', 'no-referrer');
  expect('cache-control', (value) => value.includes('no-store'), 'no-store');
  if (headers['x-powered-by'] !== undefined) problems.push('x-powered-by names the framework');
  if (headers['access-control-allow-origin'] !== undefined)
    problems.push(`access-control-allow-origin is ${String(headers['access-control-allow-origin'])} (CORS should be closed)`);
  return problems;
}

export interface JwtMatrixResult {
  requests: number;
  refused: number;
  /** `<forgery> → <route>: <problem>` for every request not refused as it must be. */
  problems: string[];
}

/**
 * Sends every forged token to every route: each must be a 401 in the error shape with a Bearer
 * challenge, and nothing may change (`state`). Writes the figure `jwt matrix <service>`.
 */
export async function jwtMatrix(options: {
  service: string;
  app: FastifyInstance;
  routes: RouteCall[];
  forgeries: ForgedToken[];
  state: () => Promise<string>;
}): Promise<JwtMatrixResult> {
  const { app, routes, forgeries, state } = options;
  const before = await state();
  const result: JwtMatrixResult = { requests: 0, refused: 0, problems: [] };
  for (const forgery of forgeries) {
    for (const route of routes) {
      const response = await app.inject({
        method: route.method,
        url: route.url,
        headers: { ...route.headers, authorization: `Bearer ${forgery.token}` },
        ...(route.payload === undefined ? {} : { payload: route.payload as Record<string, unknown> }),
      });
      result.requests += 1;
      const problems = [...errorShapeProblems(response), ...leakProblems(response)];
      if (response.statusCode !== 401) problems.push(`answered ${response.statusCode}, not 401`);
      if (!String(response.headers['www-authenticate'] ?? '').startsWith('Bearer')) problems.push('no Bearer challenge');
      if (problems.length === 0) result.refused += 1;
      else result.problems.push(`${forgery.name} → ${describeCall(route)}: ${problems.join('; ')}`);
    }
  }
  if ((await state()) !== before) result.problems.push('a forged token changed stored data');
  writeReliabilityFigure({
    check: `jwt matrix ${options.service}`,
    load: `${forgeries.length} forged tokens × ${routes.length} authenticated routes`,
    figure: `${result.refused}/${result.requests} refused with 401`,
    target: 'all 401, nothing changed',
    pass: result.problems.length === 0 && result.requests > 0,
  });
  return result;
}

export interface CrossUserResult {
  requests: number;
  notFound: number;
  problems: string[];
}

/**
 * Another user's object, asked for by id: each call must be the same 404 an unknown id gets
 * (`code`), and nothing may change. Writes the figure `object-level authorization <service>`.
 */
export async function crossUserAccess(options: {
  service: string;
  app: FastifyInstance;
  /** Calls carrying the second user's credentials, each naming the first user's object. */
  calls: Array<RouteCall & { code: string }>;
  state: () => Promise<string>;
}): Promise<CrossUserResult> {
  const before = await options.state();
  const result: CrossUserResult = { requests: 0, notFound: 0, problems: [] };
  for (const call of options.calls) {
    const response = await options.app.inject({
      method: call.method,
      url: call.url,
      headers: call.headers,
      ...(call.payload === undefined ? {} : { payload: call.payload as Record<string, unknown> }),
    });
    result.requests += 1;
    const problems = [...errorShapeProblems(response), ...leakProblems(response)];
    if (response.statusCode !== 404) problems.push(`answered ${response.statusCode}, not 404`);
    else if ((response.json() as { code?: string }).code !== call.code)
      problems.push(`code ${(response.json() as { code?: string }).code}, not ${call.code}`);
    if (problems.length === 0) result.notFound += 1;
    else result.problems.push(`${describeCall(call)}: ${problems.join('; ')}: ${response.body.slice(0, 200)}`);
  }
  if ((await options.state()) !== before) result.problems.push("another user's request changed stored data");
  writeReliabilityFigure({
    check: `object-level authorization ${options.service}`,
    load: `${result.requests} requests for another user's objects (reads and writes)`,
    figure: `${result.notFound}/${result.requests} answered 404, nothing changed`,
    target: 'all 404, nothing changed',
    pass: result.problems.length === 0 && result.requests > 0,
  });
  return result;
}
