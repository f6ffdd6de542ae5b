/**
 * Each service's configuration schema (`apps/<service>/src/config.ts`), loaded from source the
 * way `npm start` runs it, and the environment a rendered Deployment gives its container.
 */
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PROCESS_RUNTIME_ENV } from '@myshop/config';
import { type K8sObject, repoPath } from '@myshop/release';
import { secretValues, type Workload } from './workloads.ts';

export interface ConfigProperty {
  default?: unknown;
  'x-secret'?: boolean;
}

export interface ServiceConfig {
  /** `<Service>ConfigSchema`: a TypeBox object schema, i.e. JSON Schema. */
  schema: { properties: Record<string, ConfigProperty>; required?: string[] };
  /** `load<Service>Config(env)`: validates, applies the cross-key rules, throws naming every bad key. */
  load(env: Record<string, string | undefined>): unknown;
}

/** Imports apps/<service>/src/config.ts; found by convention, so a new service needs no change here. */
export async function serviceConfig(service: string): Promise<ServiceConfig> {
  const module = (await import(pathToFileURL(repoPath('apps', service, 'src', 'config.ts')).href)) as Record<string, unknown>;
  const schema = Object.entries(module).find(([name]) => name.endsWith('ConfigSchema'))?.[1];
  const load = Object.entries(module).find(([name, value]) => /^load\w*Config$/.test(name) && typeof value === 'function')?.[1];
  if (!schema || !load) throw new Error(`apps/${service}/src/config.ts exports no <Service>ConfigSchema and load<Service>Config`);
  return { schema: schema as ServiceConfig['schema'], load: load as ServiceConfig['load'] };
}

export const isSecretKey = (config: ServiceConfig, key: string) => config.schema.properties[key]?.['x-secret'] === true;

/**
 * Whether the service reads `key`: one of its config's keys, `<KEY>_FILE` of one of its secret
 * keys, a standard OTEL_* variable, which the OpenTelemetry SDK reads (the @myshop/telemetry
 * preload) before the service's config is loaded, or a key of the runtime (memory, thread pool).
 */
export function readsKey(config: ServiceConfig, key: string): boolean {
  if (key in config.schema.properties || key.startsWith('OTEL_') || PROCESS_RUNTIME_ENV.test(key)) return true;
  const fileOf = key.endsWith('_FILE') ? key.slice(0, -'_FILE'.length) : undefined;
  return fileOf !== undefined && isSecretKey(config, fileOf);
}

/**
 * Stand-ins for secret values that production keeps out of git, valid for the config's rules:
 * enough to prove that the rest of the environment is complete and well-formed.
 */
export function placeholderSecret(key: string): string {
  if (key === 'DATABASE_URL') return 'postgres://myshop@db.example.internal:5432/myshop';
  if (['JWT_PRIVATE_KEY', 'JWT_NEXT_KEY', 'JWT_PREVIOUS_KEY'].includes(key)) {
    return generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  }
  if (key.endsWith('CLIENT_SECRET')) return 'placeholder-client-secret-for-tests-0123456789';
  if (key.endsWith('_KEY')) return 'placeholder-secret-value-for-tests-0123456789';
  throw new Error(`no placeholder for the secret ${key}: add one to placeholderSecret()`);
}

export interface ContainerEnvironment {
  /** What the process sees: every variable set, `<KEY>_FILE` pointing to a real file. */
  env: Record<string, string>;
  /** The variables the manifest sets, by where they come from. */
  keys: string[];
  /** The temporary directory holding the Secret files. */
  filesDir: string;
  /** Secret keys mounted as files, and whether their value came from a rendered Secret. */
  secretFiles: Array<{ key: string; secret: string; fromRenderedSecret: boolean }>;
  problems: string[];
}

/**
 * The environment of `container` as the kubelet would build it from the rendered objects:
 * ConfigMaps loaded with envFrom, env values, and the files of mounted Secret volumes (written to
 * a temporary directory, the `_FILE` variables pointing there). A Secret that is not rendered
 * (production: created in the cluster) gets `placeholderSecret` values; `secretOverrides` replace
 * any (a real database to run against).
 */
export function containerEnvironment(
  objects: K8sObject[],
  workload: Workload,
  containerName: string,
  options: { secretOverrides?: Record<string, string>; fileMode?: number } = {},
): ContainerEnvironment {
  const container = workload.pod.containers.find((candidate) => candidate.name === containerName);
  if (!container) throw new Error(`${workload.object.metadata.name} has no container ${containerName}`);
  const env: Record<string, string> = {};
  const keys: string[] = [];
  const problems: string[] = [];
  const secretFiles: ContainerEnvironment['secretFiles'] = [];

  for (const source of container.envFrom ?? []) {
    const ref = source.configMapRef ?? source.secretRef;
    const kind = source.configMapRef ? 'ConfigMap' : 'Secret';
    const object = objects.find((candidate) => candidate.kind === kind && candidate.metadata.name === ref?.name);
    if (!object) {
      problems.push(`envFrom ${kind} ${ref?.name} is not in the manifests`);
      continue;
    }
    const values = kind === 'Secret' ? secretValues(object) : ((object.data ?? {}) as Record<string, string>);
    for (const [key, value] of Object.entries(values)) {
      env[`${source.prefix ?? ''}${key}`] = value;
      keys.push(`${source.prefix ?? ''}${key}`);
    }
  }

  const files = mkdtempSync(join(tmpdir(), 'myshop-env-'));
  for (const variable of container.env ?? []) {
    keys.push(variable.name);
    if (variable.value !== undefined) env[variable.name] = variable.value;
    else if (variable.valueFrom?.secretKeyRef)
      problems.push(`${variable.name} takes a Secret's value into the environment; mount it and use ${variable.name}_FILE`);
    else if (variable.valueFrom?.configMapKeyRef) {
      const map = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === variable.valueFrom!.configMapKeyRef!.name);
      const value = (map?.data as Record<string, string> | undefined)?.[variable.valueFrom.configMapKeyRef.key];
      if (value === undefined)
        problems.push(
          `${variable.name}: ConfigMap key ${variable.valueFrom.configMapKeyRef.name}/${variable.valueFrom.configMapKeyRef.key} is missing`,
        );
      else env[variable.name] = value;
    }
  }

  // Files of mounted Secrets: the `_FILE` variables must point at one, and it must have the key.
  for (const [name, value] of Object.entries(env)) {
    if (!name.endsWith('_FILE')) continue;
    const mount = (container.volumeMounts ?? []).find((candidate) => value.startsWith(`${candidate.mountPath}/`));
    const volume = mount && workload.pod.volumes?.find((candidate) => candidate.name === mount.name);
    if (!mount || !volume?.secret) {
      problems.push(`${name}=${value} is not a file of a mounted Secret`);
      continue;
    }
    const relativePath = value.slice(mount.mountPath.length + 1);
    const item = volume.secret.items
      ? volume.secret.items.find((candidate) => candidate.path === relativePath)
      : { key: relativePath, path: relativePath };
    if (!item) {
      problems.push(`${name}: Secret volume ${volume.name} has no item at ${relativePath}`);
      continue;
    }
    const key = name.slice(0, -'_FILE'.length);
    const rendered = objects.find((candidate) => candidate.kind === 'Secret' && candidate.metadata.name === volume.secret!.secretName);
    let content: string;
    if (rendered) {
      const values = secretValues(rendered);
      if (!(item.key in values)) {
        problems.push(`${name}: Secret ${volume.secret.secretName} has no key ${item.key}`);
        continue;
      }
      content = values[item.key]!;
    } else {
      content = placeholderSecret(key);
    }
    if (options.secretOverrides?.[key] !== undefined) content = options.secretOverrides[key];
    secretFiles.push({ key, secret: volume.secret.secretName, fromRenderedSecret: rendered !== undefined });
    const file = join(files, volume.name, item.path);
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, content);
    chmodSync(file, options.fileMode ?? 0o400);
    env[name] = file;
  }
  return { env, keys, secretFiles, problems, filesDir: files };
}
