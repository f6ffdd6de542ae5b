import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Counter } from 'prom-client';

/** How a login attempt ended: a token, a wrong email or password, or refused by the attempt limits. */
export type LoginResult = 'success' | 'invalid_credentials' | 'throttled';

declare module 'fastify' {
  interface FastifyInstance {
    /** The user service's business events, counted in the app's registry. */
    userMetrics: {
      registered(): void;
      login(result: LoginResult): void;
    };
  }
}

/** Sign-ups and logins, the user service's side of the shop's dashboards and alerts. */
async function userMetrics(app: FastifyInstance): Promise<void> {
  const registers = [app.metrics.registry];
  const registrations = new Counter({ name: 'myshop_user_registrations_total', help: 'Accounts created.', registers });
  const logins = new Counter({
    name: 'myshop_logins_total',
    help: 'Login attempts by result: success, invalid_credentials, throttled (attempt limit reached).',
    labelNames: ['result'] as const,
    registers,
  });
  // Every result from the start, so that rates and ratios exist before the first failure.
  for (const result of ['success', 'invalid_credentials', 'throttled'] satisfies LoginResult[]) logins.inc({ result }, 0);

  app.decorate('userMetrics', {
    registered: () => registrations.inc(),
    login: (result: LoginResult) => logins.inc({ result }),
  });
}

export const userMetricsPlugin = fp(userMetrics, { name: 'user-metrics', fastify: '5.x', dependencies: ['@myshop/metrics'] });
