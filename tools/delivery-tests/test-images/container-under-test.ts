/**
 * What the image tests share: the host's PostgreSQL the containers reach over the host network,
 * a container's environment as its Deployment gives it, the `docker run` flags of a hardened pod,
 * and waiting for a container to come up.
 */
import { chmodSync } from 'node:fs';
import { render } from '@myshop/release';
import getPort from 'get-port';
import pg from 'pg';
import { vi } from 'vitest';
import { containerEnvironment } from '../src/service-config.ts';
import { workloads, type Workload } from '../src/workloads.ts';

/** The numeric non-root user every image runs as, and every pod's securityContext asks for. */
export const UID = '10001:10001';

const serverUrl = process.env.IMAGE_TEST_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** One clear failure when the host's PostgreSQL cannot be reached, before any image is built. */
export async function assertDatabaseServerReachable(): Promise<void> {
  await admin('SELECT 1').catch((error: Error) => {
    throw new Error(
      `The image tests run the containers against PostgreSQL at ${serverUrl.replace(/:[^:@/]*@/, ':***@')}: ${error.message}. Set IMAGE_TEST_DATABASE_URL (or TEST_DATABASE_URL) to a server the host network reaches.`,
    );
  });
}

/** A database of its own on the host's server, for one container: create it before, drop it after. */
export function imageTestDatabase(name: string) {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    create: () => admin(`CREATE DATABASE "${name}"`),
    drop: () => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}

/**
 * The service's container as the overlay's Deployment defines it: its environment (config files
 * written read-only, as a projected volume mounts them) with DATABASE_URL pointing at `databaseUrl`,
 * listening on 127.0.0.1 at ports free on the host.
 */
export async function deployedContainer(overlay: 'prod' | 'inner-loop', service: string, databaseUrl: string) {
  const objects = render(`k8s/overlays/${overlay}/${service}`);
  const workload = workloads(objects).find(({ object }) => object.kind === 'Deployment')!;
  const environment = containerEnvironment(objects, workload, service, { secretOverrides: { DATABASE_URL: databaseUrl }, fileMode: 0o444 });
  // The container's user, not the owner of this temporary folder, reads the files in it.
  chmodSync(environment.filesDir, 0o755);
  const port = await getPort({ host: '127.0.0.1' });
  const metricsPort = await getPort({ host: '127.0.0.1' });
  const env: Record<string, string> = {
    ...environment.env,
    HOST: '127.0.0.1',
    PORT: String(port),
    METRICS_HOST: '127.0.0.1',
    METRICS_PORT: String(metricsPort),
  };
  return { workload, filesDir: environment.filesDir, env, port, metricsPort, memoryLimitBytes: memoryLimitBytes(workload.pod, service) };
}

/** The memory limit the Deployment gives the service's container, in bytes (its `Mi` or `Gi`). */
function memoryLimitBytes(pod: Workload['pod'], service: string): number {
  const limit = pod.containers.find((container) => container.name === service)?.resources?.limits?.memory;
  const match = /^(\d+)(Mi|Gi)$/.exec(String(limit));
  if (!match) throw new Error(`${service}: not a memory limit in Mi or Gi: ${limit}`);
  return Number(match[1]) * (match[2] === 'Gi' ? 1024 : 1) * 1_048_576;
}

/**
 * `docker run --detach` as the pod runs the container: read-only root, uid 10001, every capability
 * dropped, no privilege gain, its Deployment's memory limit, on the host network, its config files
 * mounted read-only where the environment names them, plus any `volumes` (`host:container`).
 */
export function hardenedRunArgs(options: {
  name: string;
  image: string;
  env: Record<string, string>;
  filesDir: string;
  memoryLimitBytes: number;
  volumes?: string[];
}) {
  return [
    'run',
    '--detach',
    '--name',
    options.name,
    '--memory',
    `${options.memoryLimitBytes}b`,
    '--read-only',
    '--user',
    UID,
    '--cap-drop',
    'ALL',
    '--security-opt',
    'no-new-privileges',
    '--network',
    'host',
    ...(options.volumes ?? []).flatMap((volume) => ['--volume', volume]),
    '--volume',
    `${options.filesDir}:${options.filesDir}:ro`,
    ...Object.entries(options.env).flatMap(([key, value]) => ['--env', `${key}=${value}`]),
    options.image,
  ];
}

/**
 * Retries `probe` until it stops throwing, and gives what it returned; past the timeout, fails
 * saying `what` did not happen, with the probe's last error and whatever `context` adds (logs).
 */
export async function until<T>(
  what: string,
  probe: () => T | Promise<T>,
  options: { timeoutMs: number; context?: () => string },
): Promise<T> {
  try {
    return await vi.waitFor(probe, { timeout: options.timeoutMs, interval: 250 });
  } catch (error) {
    const context = options.context ? `\n${options.context()}` : '';
    throw new Error(`${what} within ${options.timeoutMs / 1000} s (${String(error)})${context}`);
  }
}

/** The first answer `url` gives, whatever its status, once the container listens. */
export function firstAnswer(url: string, timeoutMs: number): Promise<Response> {
  return until(`${url} did not answer`, () => fetch(url, { signal: AbortSignal.timeout(2000) }), { timeoutMs });
}
