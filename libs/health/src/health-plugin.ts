import { errorBody } from '@myshop/errors';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Type } from 'typebox';

/** Resolves when the dependency answers; rejects (or times out) when it does not. */
export type ReadinessCheck = () => Promise<unknown>;

declare module 'fastify' {
  interface FastifyInstance {
    health: {
      /** Adds a dependency that must answer before this instance takes traffic. */
      addCheck(name: string, check: ReadinessCheck): void;
      /** From now on /readyz answers 503, so load balancers stop sending new requests. */
      startDraining(): void;
      /** Whether the instance is on its way out (SIGTERM or close() seen): no new background work then. */
      isDraining(): boolean;
    };
  }
}

const CHECK_TIMEOUT_MS = 1000;

// `status` is optional so that an error answered on a probe route (the `{ statusCode, code,
// error, message }` shape) still serializes, instead of turning into a 500.
const ProbeBody = Type.Object({
  status: Type.Optional(Type.String()),
  checks: Type.Optional(Type.Record(Type.String(), Type.String())),
  statusCode: Type.Optional(Type.Integer()),
  code: Type.Optional(Type.String()),
  error: Type.Optional(Type.String()),
  message: Type.Optional(Type.String()),
});

/**
 * `GET /livez`: the process runs and its event loop turns (restart me if not).
 * `GET /readyz`: every dependency answers and we are neither starting nor draining (send me traffic).
 */
async function health(app: FastifyInstance): Promise<void> {
  const checks = new Map<string, ReadinessCheck>();
  let phase: 'starting' | 'serving' | 'draining' = 'starting';

  app.decorate('health', {
    addCheck: (name: string, check: ReadinessCheck) => void checks.set(name, check),
    startDraining: () => void (phase = 'draining'),
    isDraining: () => phase === 'draining',
  });
  app.addHook('onReady', async () => {
    if (phase === 'starting') phase = 'serving';
  });
  app.addHook('preClose', async () => {
    phase = 'draining';
  });
  // While draining, every response closes its keep-alive connection: clients reconnect to
  // another replica, and the server's close() is not left waiting on sockets kept open. A
  // callback, not async: every request runs it (docs/performance.md).
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (phase === 'draining') reply.header('connection', 'close');
    done(null, payload);
  });

  // Probes arrive every few seconds from every kubelet: keep them out of the info log.
  const probe = { logLevel: 'warn' as const, schema: { hide: true, response: { 200: ProbeBody, 503: ProbeBody } } };

  // Load shedding (under-pressure) never answers the probes: an overloaded process is not a dead
  // one (liveness), and it can still serve (readiness). Shedding /readyz would take every busy
  // replica out of the Service at once and turn overload into an outage; requests are shed one
  // by one instead.
  const probeUnderPressure = { ...probe, config: { pressureHandler: () => undefined } };

  app.get('/livez', probeUnderPressure, async () => ({ status: 'ok' }));

  app.get('/readyz', probeUnderPressure, async (_request, reply) => {
    if (phase !== 'serving') {
      return reply.code(503).send(notReady(phase, {}, `instance is ${phase}`));
    }
    const results = await runChecks(checks);
    const failed = Object.entries(results).filter(([, result]) => result !== 'ok');
    if (failed.length > 0) {
      reply.header('retry-after', '1');
      return reply.code(503).send(notReady('not-ready', results, failed.map(([name, result]) => `${name}: ${result}`).join('; ')));
    }
    return { status: 'ready', checks: results };
  });
}

function notReady(status: string, checks: Record<string, string>, message: string) {
  return { status, checks, ...errorBody(503, 'NOT_READY', message) };
}

async function runChecks(checks: Map<string, ReadinessCheck>): Promise<Record<string, string>> {
  const entries = await Promise.all(
    [...checks].map(async ([name, check]) => {
      try {
        await withTimeout(check(), CHECK_TIMEOUT_MS);
        return [name, 'ok'] as const;
      } catch (error) {
        return [name, error instanceof TimeoutError ? 'timed out' : 'unreachable'] as const;
      }
    }),
  );
  return Object.fromEntries(entries);
}

class TimeoutError extends Error {}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError()), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export const healthPlugin = fp(health, { name: '@myshop/health', fastify: '5.x' });
