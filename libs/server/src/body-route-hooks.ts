import type { FastifyInstance, preParsingHookHandler, preValidationHookHandler, RouteOptions } from 'fastify';

/** Methods whose bodies Fastify never reads (its own list): Node discards those bodies itself. */
export const BODYLESS_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'TRACE']);

/** Whether a route with these methods (Fastify's `method`: one or a list) may be sent a body it reads. */
export function routeTakesBody(method: string | readonly string[]): boolean {
  return [method].flat().some((one) => !BODYLESS_METHODS.has(one));
}

interface BodyHooks {
  preParsing: preParsingHookHandler;
  preValidation: preValidationHookHandler;
}

/**
 * Makes `hook` the first `name` hook of every route registered after this call that may carry a
 * body, where an instance hook would also run, and only return, on every GET: each hook a
 * request passes through costs it a promise and a turn of the microtask queue, and the catalogue
 * and the other reads are most of the traffic.
 */
export function addBodyRouteHook<Name extends keyof BodyHooks>(app: FastifyInstance, name: Name, hook: BodyHooks[Name]): void {
  app.addHook('onRoute', (route: RouteOptions) => {
    if (!routeTakesBody(route.method)) return;
    const own = route[name] as BodyHooks[Name] | BodyHooks[Name][] | undefined;
    (route[name] as BodyHooks[Name][]) = [hook, ...(own === undefined ? [] : Array.isArray(own) ? own : [own])];
  });
}
