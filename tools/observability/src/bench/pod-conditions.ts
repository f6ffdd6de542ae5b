import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultPoolMax } from '@myshop/db';
import { parse } from 'yaml';
import { repoRoot } from '../observability-files.ts';

/** What a service's pod gets that bears on its memory: the container's limit and the env that tunes memory. */
export interface PodMemoryConditions {
  /** resources.limits.memory of the Deployment's container, in bytes. */
  limitBytes: number;
  /** The pod's env keys that change how the process uses memory (see MEMORY_ENV). */
  env: Record<string, string>;
  /** Where it was read. */
  source: string;
}

/**
 * Env that decides how much memory a Node process takes: V8's heap flags, glibc's malloc
 * arenas, libuv's thread pool. Whatever the pod sets of these, the bench sets too.
 */
export const MEMORY_ENV = /^(NODE_OPTIONS|UV_THREADPOOL_SIZE|MALLOC_[A-Z_]+)$/;

const UNITS: Record<string, number> = { '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4 };

/** A Kubernetes memory quantity (`256Mi`, `1G`, `268435456`) in bytes. */
export function quantityBytes(quantity: string | number): number {
  const match = /^(\d+(?:\.\d+)?)(k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(String(quantity).trim());
  if (!match) throw new Error(`not a memory quantity: ${quantity}`);
  return Math.round(Number(match[1]) * UNITS[match[2] ?? '']!);
}

interface Deployment {
  kind?: string;
  spec?: {
    template?: {
      spec?: {
        containers?: Array<{
          name: string;
          env?: Array<{ name: string; value?: string }>;
          resources?: { limits?: { memory?: string | number; cpu?: string | number } };
        }>;
      };
    };
  };
}

/**
 * The memory conditions of a Deployment's container named after the service: its limit, and
 * the memory env set literally on the container or in its ConfigMap's env file (a key set in
 * both: the container's wins, as in Kubernetes).
 */
export function memoryConditions(service: string, deploymentYaml: string, configEnv: string, source: string): PodMemoryConditions {
  const deployment = parse(deploymentYaml) as Deployment;
  const container = deployment.spec?.template?.spec?.containers?.find((candidate) => candidate.name === service);
  if (!container) throw new Error(`${source}: no container named ${service}`);
  const limit = container.resources?.limits?.memory;
  if (limit === undefined) throw new Error(`${source}: the ${service} container has no memory limit`);
  const env: Record<string, string> = {};
  for (const line of configEnv.split('\n')) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (match && MEMORY_ENV.test(match[1]!)) env[match[1]!] = match[2]!;
  }
  for (const variable of container.env ?? []) {
    if (MEMORY_ENV.test(variable.name) && variable.value !== undefined) env[variable.name] = variable.value;
  }
  return { limitBytes: quantityBytes(limit), env, source };
}

/**
 * Read from the base manifests, k8s/base/<service>: the Deployment and its ConfigMap's env file.
 * An overlay or component that patches the limit or this env is not seen here; should one ever
 * do, render it (kubectl kustomize) and pass its Deployment to memoryConditions instead.
 */
export function podMemoryConditions(service: string): PodMemoryConditions {
  const dir = join(repoRoot, 'k8s/base', service);
  const configFile = join(dir, 'config.env');
  return memoryConditions(
    service,
    readFileSync(join(dir, 'deployment.yaml'), 'utf8'),
    readFileSync(configFile, 'utf8'),
    `k8s/base/${service}`,
  );
}

/**
 * The pool the pods run with, for the services and their bare peer: DATABASE_POOL_MAX of the
 * service's ConfigMap when it sets one, else the size a replica picks for itself from its CPU
 * limit (resources.limits.cpu of the Deployment's container), as @myshop/db does in the pod.
 */
export function podPoolSize(service: string): number {
  const dir = join(repoRoot, 'k8s/base', service);
  const value = /^DATABASE_POOL_MAX=(\d+)$/m.exec(readFileSync(join(dir, 'config.env'), 'utf8'))?.[1];
  if (value) return Number(value);
  const deployment = parse(readFileSync(join(dir, 'deployment.yaml'), 'utf8')) as Deployment;
  const cpu = deployment.spec?.template?.spec?.containers?.find((candidate) => candidate.name === service)?.resources?.limits?.cpu;
  if (cpu === undefined)
    throw new Error(`k8s/base/${service}: neither DATABASE_POOL_MAX in config.env nor a CPU limit on the ${service} container`);
  return defaultPoolMax(cpuCores(cpu));
}

/** A Kubernetes CPU quantity (`500m`, `2`, `1.5`) in cores. */
export function cpuCores(quantity: string | number): number {
  const match = /^(\d+(?:\.\d+)?)(m)?$/.exec(String(quantity).trim());
  if (!match) throw new Error(`not a CPU quantity: ${quantity}`);
  return Number(match[1]) / (match[2] ? 1000 : 1);
}
