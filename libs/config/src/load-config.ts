import { readFileSync } from 'node:fs';
import type { Static, TObject, TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { isSecret } from './secret.ts';

/** Every bad key at once, so a broken ConfigMap is fixed in one round trip. */
export class ConfigError extends Error {
  readonly keys: string[];
  constructor(problems: Map<string, string>) {
    const lines = [...problems].map(([key, problem]) => `  ${key}: ${problem}`);
    super(`Invalid configuration (${problems.size} key${problems.size === 1 ? '' : 's'}):\n${lines.join('\n')}`);
    this.name = 'ConfigError';
    this.keys = [...problems.keys()];
  }
}

export interface LoadConfigOptions<T extends TObject> {
  env?: NodeJS.ProcessEnv;
  /** Keys that may be left unset outside production (a local default takes their place), never in it. */
  requiredInProduction?: Array<keyof Static<T> & string>;
  /** Rules across keys that a schema cannot state; returns `[key, problem]` pairs. */
  refine?: (config: Static<T>) => Array<[key: string, problem: string]>;
}

/**
 * Reads a service's config from the environment (ConfigMap) and from `<KEY>_FILE` for secret
 * keys (mounted Secret), converts and validates it against the service's schema, and fails
 * with a ConfigError naming every bad key. Values never appear in messages.
 */
export function loadConfig<T extends TObject>(schema: T, options: LoadConfigOptions<T> = {}): Static<T> {
  const env = options.env ?? process.env;
  const problems = new Map<string, string>();
  const raw: Record<string, string> = {};

  for (const [key, propertySchema] of Object.entries(schema.properties) as Array<[string, TSchema]>) {
    const value = readValue(key, propertySchema, env, problems);
    if (value !== undefined) raw[key] = value;
  }

  const config = Value.Default(schema, Value.Convert(schema, raw)) as Record<string, unknown>;
  // Key by key, so that one bad value never hides the next one.
  const required = new Set(schema.required ?? []);
  for (const [key, propertySchema] of Object.entries(schema.properties) as Array<[string, TSchema]>) {
    if (problems.has(key)) continue;
    if (config[key] === undefined) {
      if (required.has(key)) problems.set(key, 'is required');
      continue;
    }
    const [first] = Value.Errors(propertySchema, config[key]);
    if (first) problems.set(key, describe(propertySchema, first.message));
  }
  if (problems.size === 0 && config.NODE_ENV === 'production') {
    for (const key of options.requiredInProduction ?? []) {
      if (config[key] !== undefined) continue;
      const propertySchema = schema.properties[key] as TSchema;
      problems.set(key, `is required in production${isSecret(propertySchema) ? ` (or ${key}_FILE)` : ''}`);
    }
  }
  if (problems.size === 0 && options.refine) {
    for (const [key, problem] of options.refine(config as Static<T>)) problems.set(key, problem);
  }
  if (problems.size > 0) throw new ConfigError(problems);
  return config as Static<T>;
}

function readValue(
  key: string,
  schema: TSchema,
  env: NodeJS.ProcessEnv,
  problems: Map<string, string>,
): string | undefined {
  const direct = nonEmpty(env[key]);
  const file = isSecret(schema) ? nonEmpty(env[`${key}_FILE`]) : undefined;
  if (file === undefined) return direct;
  if (direct !== undefined) {
    problems.set(key, `set either ${key} or ${key}_FILE, not both`);
    return undefined;
  }
  try {
    // A mounted Secret file usually ends with a newline that is not part of the value.
    return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (error) {
    problems.set(key, `cannot read ${key}_FILE (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    return undefined;
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** Enumerations read better as their allowed values than as Ajv's "must match a schema in anyOf". */
function describe(schema: TSchema | undefined, message: string): string {
  const options = (schema as { anyOf?: Array<{ const?: unknown }> } | undefined)?.anyOf;
  if (options?.every((option) => option.const !== undefined)) {
    return `must be one of ${options.map((option) => String(option.const)).join(', ')}`;
  }
  return message;
}
