import { Type, type Static } from 'typebox';
import { databaseUrlProblem } from './database-url.ts';
import { secret } from './secret.ts';

/** One origin: scheme, host (a name or a bracketed IPv6 address) and maybe a port. */
const ORIGIN = String.raw`https?://(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?`;

/**
 * Keys every service reads. A service's schema spreads these into its own `Type.Object`, so
 * there is still one schema per service and its type comes from `Static<>`.
 */
export const baseConfigProperties = {
  NODE_ENV: Type.Union([Type.Literal('development'), Type.Literal('test'), Type.Literal('production')], {
    default: 'development',
  }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)),
    { default: 'info' },
  ),
  /** `json`: pino's JSON lines. `ecs`: Elastic Common Schema, for the Elasticsearch log pipeline. */
  LOG_FORMAT: Type.Union([Type.Literal('json'), Type.Literal('ecs')], { default: 'json' }),
  /**
   * Loopback unless told otherwise: a service started on a laptop is not reachable from its
   * network. The images set 0.0.0.0, as a container must listen on all interfaces.
   */
  HOST: Type.String({ pattern: '^\\S+$', default: '127.0.0.1' }),
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 5000 }),
  METRICS_HOST: Type.String({ pattern: '^\\S+$', default: '127.0.0.1' }),
  /** Prometheus scrapes this port; it is not behind the Service, so the Ingress never reaches it. Not PORT. */
  METRICS_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 9464 }),
  /** Unset: an embedded PostgreSQL under DATA_DIR/<service> (development only). */
  DATABASE_URL: Type.Optional(secret(Type.String({ pattern: '^postgres(ql)?://' }))),
  /** Unset: fitted to the CPU the process may use (4 per core, 4 at least; @myshop/db's pool-size). */
  DATABASE_POOL_MAX: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  /** How long a request waits for a pooled connection (or a new one) before answering 503. */
  DATABASE_CONNECT_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 60_000, default: 2000 }),
  /** Longest a statement may run; a stuck query fails instead of holding a request forever. */
  DATABASE_STATEMENT_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 600_000, default: 5000 }),
  /** Run pending migrations before listening (the `migrate` command does it on its own). */
  DATABASE_MIGRATE_ON_START: Type.Boolean({ default: true }),
  /**
   * How long a start waits for DATABASE_URL's server to answer before giving up (exit 1): a
   * replica started while its database is away is ready as soon as it is back. Inside the
   * Deployments' startup probe window (60 s).
   */
  DATABASE_START_WAIT_MS: Type.Integer({ minimum: 0, maximum: 600_000, default: 45_000 }),
  /** Where local state lives when no external service is configured (embedded database, dev keys). */
  DATA_DIR: Type.String({ minLength: 1, default: '.data' }),
  /** Time between SIGTERM and closing the listener, so load balancers stop routing here first. */
  SHUTDOWN_DELAY_MS: Type.Integer({ minimum: 0, maximum: 60_000, default: 0 }),
  /** Hard limit for the whole shutdown; past it the process exits anyway. */
  SHUTDOWN_GRACE_MS: Type.Integer({ minimum: 1000, maximum: 120_000, default: 10_000 }),
  REQUEST_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 120_000, default: 10_000 }),
  BODY_LIMIT_BYTES: Type.Integer({ minimum: 1024, maximum: 10_485_760, default: 65_536 }),
  /** Proxies in front of us that append to X-Forwarded-For (ingress-nginx: 1); 0 trusts none. */
  TRUST_PROXY_HOPS: Type.Integer({ minimum: 0, maximum: 5, default: 1 }),
  /**
   * Browser origins allowed by CORS, comma-separated, each exactly as a browser sends it
   * (`https://shop.example`, a port if not the scheme's: no path, no trailing slash, no `*`);
   * empty: CORS closed.
   */
  CORS_ORIGINS: Type.String({ pattern: `^\\s*(?:${ORIGIN}(?:\\s*,\\s*${ORIGIN})*)?\\s*$`, default: '' }),
  /** Past this event-loop delay the service sheds load with 503 + Retry-After (0: off). */
  OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: Type.Integer({ minimum: 0, maximum: 60_000, default: 1000 }),
  /** Past this heap size the service sheds load with 503 + Retry-After (0: off). */
  OVERLOAD_MAX_HEAP_USED_BYTES: Type.Integer({ minimum: 0, default: 0 }),
};

export const BaseConfigSchema = Type.Object(baseConfigProperties);
export type BaseConfig = Static<typeof BaseConfigSchema>;

/**
 * What the schema cannot say of the base keys, checked once it passed: a DATABASE_URL the driver
 * would fail to use (database-url.ts), a shutdown delay that outlasts the shutdown's
 * deadline, and the two listeners on one port.
 */
export function baseConfigProblems(config: Partial<BaseConfig>): Array<[string, string]> {
  const problems: Array<[string, string]> = [];
  const databaseUrl = config.DATABASE_URL === undefined ? undefined : databaseUrlProblem(config.DATABASE_URL);
  if (databaseUrl !== undefined) problems.push(['DATABASE_URL', databaseUrl]);
  // close-with-grace's deadline runs from the signal: a delay that fills it ends the process (exit 1)
  // before the listener closes, cutting every request in flight.
  if (
    config.SHUTDOWN_DELAY_MS !== undefined &&
    config.SHUTDOWN_GRACE_MS !== undefined &&
    config.SHUTDOWN_DELAY_MS >= config.SHUTDOWN_GRACE_MS
  ) {
    problems.push(['SHUTDOWN_DELAY_MS', 'must be less than SHUTDOWN_GRACE_MS (the whole shutdown, this delay included, ends within it)']);
  }
  if (config.METRICS_PORT !== undefined && config.METRICS_PORT === config.PORT && config.PORT !== 0) {
    problems.push(['METRICS_PORT', 'must differ from PORT']);
  }
  return problems;
}
