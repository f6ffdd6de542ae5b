import { existsSync, readdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { openDatabase, type DatabaseLocation } from '@myshop/db';
import type { FastifyInstance } from 'fastify';
import { Endpoints, PROBE_INTERVAL_MS, PROBE_TIMEOUT_MS } from './endpoints.ts';
import { readHttpRouteRoutes } from './httproute-routes.ts';
import { matchRoute, noRouteMessage, readIngressRoutes, type IngressRoute } from './ingress-routes.ts';
import { serviceDiscoveryEnv } from './local-env.ts';
import type { LinePrinter } from './log-printer.ts';
import { createProxy } from './proxy.ts';
import { runOperatorsCommand } from './operators-command.ts';
import { Replica } from './replica.ts';

export interface StackOptions {
  /** The repository root (apps/, k8s/). */
  root: string;
  replicas?: number;
  /** Only these services (default: every app with a `src/server.ts`). */
  services?: string[];
  gatewayHost?: string;
  /** 8080 for people; 0 lets the OS choose (tests). */
  gatewayPort?: number;
  dataDir?: string;
  /** Extra environment for every service process (LOG_LEVEL, limits…). */
  env?: Record<string, string>;
  printLine: LinePrinter;
  /** Shown to people: what was started where. */
  log?: (message: string) => void;
  /** Which manifest the gateway routes by, as a cluster's controller would (default: the Ingress). */
  routes?: RouteSource;
}

/**
 * The manifests a cluster's controller routes by, read by the local gateway itself so that the two
 * cannot drift: the Ingress (ingress-nginx, the default) or the Gateway API component's HTTPRoute
 * (Envoy Gateway). Both say the same routes; a test holds them equal.
 */
export const ROUTE_FILES = {
  ingress: 'k8s/base/ingress/ingress.yaml',
  'gateway-api': 'k8s/components/gateway-api/httproute.yaml',
} as const;

export type RouteSource = keyof typeof ROUTE_FILES;

/** What the gateway's 404 says it routed by. */
const ROUTE_KINDS: Record<RouteSource, string> = { ingress: 'Ingress', 'gateway-api': 'HTTPRoute' };

export function readRoutes(root: string, source: RouteSource = 'ingress'): IngressRoute[] {
  const file = join(root, ROUTE_FILES[source]);
  return source === 'gateway-api' ? readHttpRouteRoutes(file) : readIngressRoutes(file);
}

export interface ServiceHandle {
  name: string;
  /** The local stand-in for the ClusterIP Service `<name>-service`. */
  url: string;
  endpoints: Endpoints;
  replicas: Replica[];
  /** Where its replicas' DATABASE_URL points (the embedded PostgreSQL of this service). */
  databaseUrl: string;
}

export interface Stack {
  gatewayUrl: string;
  services: Map<string, ServiceHandle>;
  /** Replaces one replica the way a rolling update does: new one ready first, then SIGTERM the old. */
  replaceReplica(service: string, index: number): Promise<void>;
  /**
   * Replaces every replica of a service at once, each the rolling-update way (the new process
   * ready before the old one is taken out and drained), so the service serves throughout.
   * Resolves with the milliseconds until every new replica was in rotation, once the old ones
   * have stopped; `onServing` hears it the moment the new ones serve, before the old ones have
   * drained. When a new process fails to start (a syntax error just saved), the old ones keep
   * serving and this rejects.
   */
  restartService(service: string, onServing?: (readyMs: number) => void): Promise<number>;
  /**
   * Grants (or revokes) the operator role of an existing account, with the user service's own
   * command (`npm run operators -w apps/user`) against this stack's user database.
   */
  operator(change: 'grant' | 'revoke', email: string): Promise<void>;
  /** Stops the service's embedded PostgreSQL (data kept) until `startDatabase`: a database outage. */
  stopDatabase(service: string): Promise<void>;
  startDatabase(service: string): Promise<void>;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 60_000;

export function discoverServices(root: string): string[] {
  return readdirSync(join(root, 'apps'))
    .filter((name) => existsSync(join(root, 'apps', name, 'src', 'server.ts')))
    .sort();
}

/**
 * Everything `npm start` runs: an embedded PostgreSQL per service, N replicas of each service
 * (restarted when they crash, like a kubelet would), a Service stand-in per service balancing
 * over ready replicas, and the gateway routing host myshop.com like the Ingress manifest says.
 */
export async function startStack(options: StackOptions): Promise<Stack> {
  const { root, printLine } = options;
  const log = options.log ?? (() => undefined);
  const replicaCount = options.replicas ?? 1;
  const dataDir = options.dataDir ?? join(root, '.data');
  const services = options.services ?? discoverServices(root);
  const routeSource = options.routes ?? 'ingress';
  const routes = readRoutes(root, routeSource);

  const handles = new Map<string, ServiceHandle>();
  const databases: DatabaseLocation[] = [];
  const servers: FastifyInstance[] = [];
  let stopping = false;
  let nextId = 0;
  // Every replica starting or running, serving or not (a restart's new ones before they take
  // over): stopping the stack stops them all.
  const live = new Set<Replica>();

  // Service stand-ins first: their addresses go into every service's environment.
  for (const name of services) {
    const endpoints = new Endpoints(name, {
      onChange: (endpoint, reason) => log(`${endpoint.name} ${endpoint.ready ? 'in' : 'out of'} rotation: ${reason}`),
    });
    const proxy = createProxy({ resolve: () => ({ endpoints }) });
    servers.push(proxy);
    const address = await proxy.listen({ host: '127.0.0.1', port: 0 });
    handles.set(name, { name, url: address, endpoints, replicas: [], databaseUrl: '' });
  }
  const discovery = serviceDiscoveryEnv((kubernetesService) => handles.get(kubernetesService.replace(/-service$/, ''))?.url);

  const launch = async (handle: ServiceHandle, database: DatabaseLocation): Promise<Replica> => {
    if (stopping) throw new StackStoppingError(handle.name);
    nextId += 1;
    const replica = new Replica({
      service: handle.name,
      name: `${handle.name}-${nextId}`,
      entry: join(root, 'apps', handle.name, 'src', 'server.ts'),
      env: {
        ...process.env,
        NODE_ENV: 'development',
        HOST: '127.0.0.1',
        PORT: '0',
        METRICS_HOST: '127.0.0.1',
        METRICS_PORT: '0',
        DATA_DIR: dataDir,
        DATABASE_URL: database.url,
        // What preStop does in the cluster. When devstack stops a replica it takes it out of its
        // Service first; when something else sends SIGTERM, the next probe sees "draining" and the
        // stand-in drops it: at worst one probe period plus one slow probe, and some margin.
        SHUTDOWN_DELAY_MS: String(PROBE_INTERVAL_MS + PROBE_TIMEOUT_MS + 250),
        // Refunds show on orders within a second here (a cluster reads every few seconds).
        REFUND_SYNC_INTERVAL_MS: '1000',
        // V8's compiled code kept on disk between starts (keyed by each file's contents): a
        // replica restarted by --watch compiles only what changed, about a third less CPU.
        NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE ?? join(root, 'node_modules', '.cache', 'node-compile-cache'),
        ...discovery,
        ...options.env,
      },
      onLine: printLine,
    });
    live.add(replica);
    try {
      await replica.start();
    } catch (error) {
      live.delete(replica);
      throw stopping ? new StackStoppingError(handle.name) : error;
    }
    // Started as the stack began to stop: stopped with the rest.
    if (stopping) throw new StackStoppingError(handle.name);
    handle.endpoints.add(replica.name, replica.origin);
    replica.child?.once('exit', (code, signal) => {
      live.delete(replica);
      handle.endpoints.remove(replica.name);
      if (replica.stopping || stopping) return;
      // A restart's new replica that dies before it takes over is that restart's failure (it
      // stops waiting for it to be ready); only a replica holding a slot is brought back.
      const slot = handle.replicas.indexOf(replica);
      if (slot < 0) return;
      // A crash: like restartPolicy Always, bring it back (the same slot, a new process).
      log(`${replica.name} exited (${signal ?? `code ${code}`}); restarting`);
      setTimeout(() => {
        if (stopping) return;
        launch(handle, database).then(
          (replacement) => {
            handle.replicas[slot] = replacement;
          },
          (error: Error) => log(`restart of ${handle.name} failed: ${error.message}`),
        );
      }, 500);
    });
    return replica;
  };

  const databaseByService = new Map<string, DatabaseLocation>();
  try {
    await Promise.all(
      [...handles.values()].map(async (handle) => {
        const database = await openDatabase({ dataDir, service: handle.name, log: (message) => log(`${handle.name}: ${message}`) });
        databases.push(database);
        databaseByService.set(handle.name, database);
        handle.databaseUrl = database.url;
        // One replica first: it runs the migrations; the others then find the schema ready.
        handle.replicas.push(await launch(handle, database));
        for (let index = 1; index < replicaCount; index += 1) handle.replicas.push(await launch(handle, database));
        await Promise.all(handle.replicas.map((replica) => handle.endpoints.waitUntilReady(replica.name, READY_TIMEOUT_MS)));
      }),
    );
  } catch (error) {
    await stopAll();
    throw error;
  }

  const gateway = createProxy({
    resolve: (request, host) => {
      const route = matchRoute(routes, host, request.url);
      if (!route) return { notFound: noRouteMessage(routes, host, request.url, ROUTE_KINDS[routeSource]) };
      const handle = handles.get(route.service.replace(/-service$/, ''));
      if (!handle) return { notFound: `Service ${route.service} is not running locally` };
      return { endpoints: handle.endpoints };
    },
  });
  servers.push(gateway);
  await gateway.listen({ host: options.gatewayHost ?? '127.0.0.1', port: options.gatewayPort ?? 8080 });
  const gatewayPort = (gateway.server.address() as AddressInfo).port;
  const gatewayUrl = `http://${options.gatewayHost ?? '127.0.0.1'}:${gatewayPort}`;

  async function stopAll(): Promise<void> {
    stopping = true;
    // The edge closes first, then every replica drains, then the databases stop.
    await Promise.all(
      servers
        .slice()
        .reverse()
        .map((server) => server.close()),
    );
    await Promise.all([...live].map((replica) => replica.stop()));
    for (const handle of handles.values()) handle.endpoints.close();
    await Promise.all(databases.map((database) => database.stop()));
  }

  return {
    gatewayUrl,
    services: handles,
    async replaceReplica(service, index) {
      const handle = handles.get(service);
      const old = handle?.replicas[index];
      const database = databaseByService.get(service);
      if (!handle || !old || !database) throw new Error(`no replica ${index} of ${service}`);
      const replacement = await launch(handle, database);
      await handle.endpoints.waitUntilReady(replacement.name, READY_TIMEOUT_MS);
      handle.replicas[index] = replacement;
      handle.endpoints.remove(old.name);
      await old.stop('SIGTERM');
    },
    async restartService(service, onServing) {
      const handle = handles.get(service);
      const database = databaseByService.get(service);
      if (!handle || !database) throw new Error(`no service ${service} in this stack`);
      const started = Date.now();
      const old = handle.replicas.slice();
      const launched = await Promise.allSettled(
        old.map(async () => {
          const replica = await launch(handle, database);
          try {
            await handle.endpoints.waitUntilReady(replica.name, READY_TIMEOUT_MS);
          } catch (error) {
            await replica.stop();
            throw error;
          }
          return replica;
        }),
      );
      const fresh = launched.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
      const failure = launched.find((result) => result.status === 'rejected');
      if (failure || stopping) {
        await Promise.all(fresh.map((replica) => replica.stop()));
        throw stopping ? new StackStoppingError(service) : failure!.reason;
      }
      for (const [index, replica] of old.entries()) {
        const slot = handle.replicas.indexOf(replica);
        handle.replicas[slot >= 0 ? slot : index] = fresh[index]!;
        handle.endpoints.remove(replica.name);
      }
      const readyMs = Date.now() - started;
      onServing?.(readyMs);
      await Promise.all(old.map((replica) => replica.stop('SIGTERM')));
      return readyMs;
    },
    async operator(change, email) {
      const user = handles.get('user');
      if (!user) throw new Error('the user service is not running in this stack');
      await runOperatorsCommand(root, user.databaseUrl, change, email);
    },
    async stopDatabase(service) {
      await controlDatabase(service, 'stopServer');
    },
    async startDatabase(service) {
      await controlDatabase(service, 'startServer');
    },
    stop: stopAll,
  };

  async function controlDatabase(service: string, command: 'stopServer' | 'startServer'): Promise<void> {
    const run = databaseByService.get(service)?.[command];
    if (!run) throw new Error(`no embedded database of ${service} to ${command === 'stopServer' ? 'stop' : 'start'}`);
    log(`${service}: embedded PostgreSQL ${command === 'stopServer' ? 'stopping' : 'starting'}`);
    await run();
  }
}

/** A replica asked for while the stack stops: a restart under way is given up, not finished. */
class StackStoppingError extends Error {
  constructor(service: string) {
    super(`the stack is stopping: no new replica of ${service}`);
  }
}
