import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROCESS_RUNTIME_ENV } from '@myshop/config';
import { defaultPoolMax } from '@myshop/db';
import { parse } from 'yaml';
import { repoRoot } from '../observability-files.ts';
import { finalStageEnv } from './dockerfile-env.ts';

/** What a service's pod gets that bears on its memory: the container's limit and the env that tunes memory. */
export interface PodMemoryConditions {
  /** resources.limits.memory of the Deployment's container, in bytes. */
  limitBytes: number;
  /** The env keys the container starts with that change how the process uses memory (PROCESS_RUNTIME_ENV). */
  env: Record<string, string>;
  /** Where each key of `env` was set: the image's Dockerfile, the ConfigMap's env file or the Deployment. */
  envSources: Record<string, string>;
  /** The folder of the manifests read. */
  source: string;
}

/** The texts a pod's conditions are read from. */
export interface PodFiles {
  /** docker/<service>.Dockerfile: the image's own ENV. */
  dockerfile: string;
  /** The Deployment's manifest. */
  deployment: string;
  /** The env file of the service's ConfigMap (envFrom). */
  configEnv: string;
}

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
 * The memory conditions of a Deployment's container named after the service: its limit, and the
 * memory env it starts with. Kubernetes layers it as a container runtime does: the image's ENV
 * (the last stage of its Dockerfile), over it the ConfigMap's env file, over both the env set
 * literally on the container.
 */
export function memoryConditions(service: string, files: PodFiles, source: string): PodMemoryConditions {
  const deployment = parse(files.deployment) as Deployment;
  const container = deployment.spec?.template?.spec?.containers?.find((candidate) => candidate.name === service);
  if (!container) throw new Error(`${source}: no container named ${service}`);
  const limit = container.resources?.limits?.memory;
  if (limit === undefined) throw new Error(`${source}: the ${service} container has no memory limit`);
  const env: Record<string, string> = {};
  const envSources: Record<string, string> = {};
  const set = (name: string, value: string, from: string) => {
    if (!PROCESS_RUNTIME_ENV.test(name)) return;
    env[name] = value;
    envSources[name] = from;
  };
  const dockerfile = `docker/${service}.Dockerfile`;
  for (const [name, value] of Object.entries(finalStageEnv(files.dockerfile, dockerfile))) set(name, value, dockerfile);
  for (const line of files.configEnv.split('\n')) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (match) set(match[1]!, match[2]!, `${source}/config.env`);
  }
  for (const variable of container.env ?? []) {
    if (variable.value !== undefined) set(variable.name, variable.value, `${source}/deployment.yaml`);
  }
  return { limitBytes: quantityBytes(limit), env, envSources, source };
}

/**
 * Read from the image's Dockerfile and the base manifests, k8s/base/<service>: the Deployment
 * and its ConfigMap's env file. An overlay or component that patches the limit or this env is
 * not seen here; should one ever do, render it (kubectl kustomize) and pass its Deployment to
 * memoryConditions instead.
 */
export function podMemoryConditions(service: string): PodMemoryConditions {
  const dir = join(repoRoot, 'k8s/base', service);
  return memoryConditions(
    service,
    {
      dockerfile: readFileSync(join(repoRoot, 'docker', `${service}.Dockerfile`), 'utf8'),
      deployment: readFileSync(join(dir, 'deployment.yaml'), 'utf8'),
      configEnv: readFileSync(join(dir, 'config.env'), 'utf8'),
    },
    `k8s/base/${service}`,
  );
}

/** The memory env applied, each key with where it was set, for the report. */
/** Memory env as `KEY=value` pairs, for a line of the report. */
export function memoryEnvText(env: Record<string, string>): string {
  const pairs = Object.entries(env).map(([key, value]) => `${key}=${value}`);
  return pairs.length > 0 ? pairs.join(' ') : 'no memory env';
}

export function podEnvText(pod: PodMemoryConditions): string {
  const env = Object.entries(pod.env).map(([key, value]) => `${key}=${value} (${pod.envSources[key]})`);
  return env.length > 0 ? `pod env ${env.join(', ')}` : 'the pod sets no memory env';
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

/** The log format the pods write (LOG_FORMAT of the service's ConfigMap; the services' default else). */
export function podLogFormat(service: string): string {
  return /^LOG_FORMAT=(\w+)$/m.exec(readFileSync(join(repoRoot, 'k8s/base', service, 'config.env'), 'utf8'))?.[1] ?? 'json';
}

/** A Kubernetes CPU quantity (`500m`, `2`, `1.5`) in cores. */
export function cpuCores(quantity: string | number): number {
  const match = /^(\d+(?:\.\d+)?)(m)?$/.exec(String(quantity).trim());
  if (!match) throw new Error(`not a CPU quantity: ${quantity}`);
  return Number(match[1]) / (match[2] ? 1000 : 1);
}
