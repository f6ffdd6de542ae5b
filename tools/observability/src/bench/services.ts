import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '@myshop/embedded-postgres';
import { sandboxCard } from '@myshop/schemas';
import { request } from 'undici';
import { startServiceProcess, type ServiceProcess } from '../service-process.ts';
import { MODES, type Mode } from './args.ts';
import type { LoadTarget } from './load.ts';
import { forkInCgroup, type CgroupPlacement } from './memory-cgroup.ts';
import { podLogFormat, podMemoryConditions, podPoolSize, type PodMemoryConditions } from './pod-conditions.ts';
import type { Route } from './results.ts';

export const SERVICES = ['user', 'payment', 'cart'] as const;
export type Service = (typeof SERVICES)[number];

export interface RunningService {
  process: ServiceProcess;
  database: EmbeddedPostgresHandle;
  poolSize: number;
  pod: PodMemoryConditions;
  placement: CgroupPlacement;
}

export interface Shopper {
  email: string;
  password: string;
  /** The shopper's own token, for their routes. */
  accessToken: string;
  /** A token for payment acting for the shopper (scope payment:charge), as the cart gets at checkout. */
  paymentToken: string;
}

export interface RunningMode {
  mode: Mode;
  services: Record<Service, RunningService>;
  shopper: Shopper;
  targets: Record<Route, LoadTarget>;
  login: LoadTarget;
  jwksUrl: string;
}

export interface ModeSettings {
  dataDir: string;
  logDir: string;
  sinkUrl: string;
  profileDir?: string;
  compiled: boolean;
}

const PASSWORD = 'bench password 1';

/** Who signs the tokens and for whom, set alike on the services and the bare peer. */
export const TOKEN_SETTINGS = { JWT_ISSUER: 'https://myshop.com/user', JWT_AUDIENCE: 'myshop' } as const;

/** A charge that the sandbox approves, a new one per request (the load generator adds the key). */
export const CHARGE_BODY = JSON.stringify({
  amount: 1999,
  currency: 'USD',
  card: sandboxCard(),
});

export async function json<T>(
  url: string,
  init: { method?: 'GET' | 'POST'; headers?: Record<string, string>; body?: unknown } = {},
): Promise<T> {
  const response = await request(url, {
    method: init.method ?? 'GET',
    headers: { ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.body.text();
  if (response.statusCode >= 300) throw new Error(`${init.method ?? 'GET'} ${url}: ${response.statusCode} ${text}`);
  return JSON.parse(text) as T;
}

/**
 * The three services of one mode, each on its own embedded PostgreSQL (started here, so that
 * its URL is known to the bare peer and the round-trip count) with the pool size of its pods,
 * each in a memory cgroup with its Deployment's limit and the pod's memory env where the machine
 * allows; then a shopper with a cart of two lines, and the tokens to call each route with.
 */
export async function startMode(mode: Mode, settings: ModeSettings): Promise<RunningMode> {
  const dataDir = join(settings.dataDir, mode);
  const clientSecret = randomBytes(32).toString('base64url');
  const common: Record<string, string> = {
    DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
    // The bench logs in and signs up from one address, far more often than a person would.
    LOGIN_LIMIT_PER_IP: '1000000',
    LOGIN_LIMIT_PER_ACCOUNT: '1000000',
    LOGIN_LIMIT_PER_ACCOUNT_UNKNOWN_ADDRESSES: '1000000',
    REGISTER_LIMIT_PER_IP: '1000000',
    REGISTER_LIMIT_PER_ACCOUNT: '1000000',
    // Tokens outlive the run, however long it is.
    ACCESS_TOKEN_TTL_SECONDS: '86400',
    SERVICE_TOKEN_TTL_SECONDS: '3600',
    OTEL_BSP_SCHEDULE_DELAY: '1000',
    ...TOKEN_SETTINGS,
    ...MODES[mode].env(settings.sinkUrl),
  };
  const execArgv = settings.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${join(settings.profileDir, mode)}`] : [];
  const started: Partial<Record<Service, RunningService>> = {};
  const databases = await Promise.all(
    SERVICES.map((service) => startEmbeddedPostgres({ dataDir: join(dataDir, service, 'postgres'), database: service })),
  );
  const start = async (service: Service, env: Record<string, string>) => {
    const pod = podMemoryConditions(service);
    const poolSize = podPoolSize(service);
    const database = databases[SERVICES.indexOf(service)]!;
    const { started: forked, placement } = forkInCgroup(`myshop-bench-${process.pid}-${mode}-${service}`, pod.limitBytes, () =>
      startServiceProcess(
        service,
        {
          ...common,
          ...pod.env,
          // Request lines as the pods write them (ECS), which costs more than pino's own.
          LOG_FORMAT: podLogFormat(service),
          OTEL_SERVICE_NAME: service,
          DATABASE_URL: database.url,
          DATABASE_POOL_MAX: String(poolSize),
          ...env,
        },
        { logFile: join(settings.logDir, `${mode}-${service}.log`), execArgv, compiled: settings.compiled },
      ),
    );
    started[service] = { process: await forked, database, poolSize, pod, placement };
    return started[service];
  };
  try {
    const user = await start('user', { CART_CLIENT_SECRET: clientSecret });
    const jwksUrl = `${user.process.url}/user/.well-known/jwks.json`;
    const payment = await start('payment', { JWKS_URL: jwksUrl });
    const cart = await start('cart', { JWKS_URL: jwksUrl, PAYMENT_URL: payment.process.url, CLIENT_SECRET: clientSecret });
    const shopper = await newShopper(user.process.url, cart.process.url, clientSecret);
    const auth = { authorization: `Bearer ${shopper.accessToken}` };
    return {
      mode,
      services: started as Record<Service, RunningService>,
      shopper,
      jwksUrl,
      targets: {
        // The full answer: no If-None-Match, whatever caching the catalogue offers.
        'GET /cart/products': { url: `${cart.process.url}/cart/products` },
        'GET /user/me': { url: `${user.process.url}/user/me`, headers: auth },
        'GET /cart': { url: `${cart.process.url}/cart`, headers: auth },
        'POST /payment/charges': chargeTarget(payment.process.url, shopper.paymentToken),
      },
      login: {
        url: `${user.process.url}/user/login`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: shopper.email, password: shopper.password }),
      },
    };
  } catch (error) {
    await Promise.all(Object.values(started).map((service) => service.process.stop()));
    await Promise.all(databases.map((database) => database.stop()));
    for (const service of Object.values(started)) if ('cgroup' in service.placement) service.placement.cgroup.remove();
    throw error;
  }
}

export function chargeTarget(paymentUrl: string, paymentToken: string): LoadTarget {
  return {
    url: `${paymentUrl}/payment/charges`,
    method: 'POST',
    headers: { authorization: `Bearer ${paymentToken}`, 'content-type': 'application/json' },
    body: CHARGE_BODY,
    freshIdempotencyKey: true,
  };
}

/** A shopper signed up and in, with two products in the cart, and the payment token the cart would get for them. */
export async function newShopper(userUrl: string, cartUrl: string, clientSecret: string): Promise<Shopper> {
  const email = `bench-${randomUUID()}@example.com`;
  await json(`${userUrl}/user/register`, { method: 'POST', body: { email, password: PASSWORD, name: 'Bench' } });
  const { accessToken } = await json<{ accessToken: string }>(`${userUrl}/user/login`, {
    method: 'POST',
    body: { email, password: PASSWORD },
  });
  const auth = { authorization: `Bearer ${accessToken}` };
  const { items } = await json<{ items: Array<{ id: string }> }>(`${cartUrl}/cart/products?limit=2`);
  for (const item of items)
    await json(`${cartUrl}/cart/items`, { method: 'POST', headers: auth, body: { productId: item.id, quantity: 1 } });
  const { access_token: paymentToken } = await json<{ access_token: string }>(`${userUrl}/user/oauth/token`, {
    method: 'POST',
    body: {
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token: accessToken,
      subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      audience: 'payment',
      scope: 'payment:charge',
      client_id: 'cart',
      client_secret: clientSecret,
    },
  });
  return { email, password: PASSWORD, accessToken, paymentToken };
}

/** Stops the services, then their databases, then removes their cgroups. */
export async function stopMode(mode: { services: Partial<Record<Service, RunningService>> }): Promise<void> {
  const services = Object.values(mode.services);
  await Promise.all(services.map((service) => service.process.stop()));
  await Promise.all(services.map((service) => service.database.stop()));
  for (const service of services) if ('cgroup' in service.placement) service.placement.cgroup.remove();
}
