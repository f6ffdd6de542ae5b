import { readFileSync } from 'node:fs';
import { envSchema } from 'env-schema';
import type { Static, TObject, TSchema } from 'typebox';
import { baseConfigProblems, type BaseConfig } from './base-config.ts';
import { configAjv, toJsonSchema } from './config-ajv.ts';
import { resolveDataDir } from './data-dir.ts';
import { isSecret } from './secret.ts';

/** Every bad key at once, so a broken ConfigMap is fixed in one round trip. */
export class ConfigError extends Error {
  readonly keys: string[];
  /** The LOG_FORMAT asked for (its default when that key is one of the bad ones): how to report this error. */
  readonly logFormat: BaseConfig['LOG_FORMAT'] | undefined;
  constructor(problems: Map<string, string>, logFormat?: BaseConfig['LOG_FORMAT']) {
    const lines = [...problems].map(([key, problem]) => `  ${key}: ${problem}`);
    super(`Invalid configuration (${problems.size} key${problems.size === 1 ? '' : 's'}):\n${lines.join('\n')}`);
    this.name = 'ConfigError';
    this.keys = [...problems.keys()];
    this.logFormat = logFormat;
  }
}

export interface LoadConfigOptions<T extends TObject> {
  env?: NodeJS.ProcessEnv;
  /** Where a relative DATA_DIR is looked up from (data-dir.ts); default: the working directory. */
  cwd?: string;
  /** Keys that may be left unset outside production (a local default takes their place), never in it. */
  requiredInProduction?: Array<keyof Static<T> & string>;
  /** Rules across keys that a schema cannot state; returns `[key, problem]` pairs. */
  refine?: (config: Static<T>) => Array<[key: string, problem: string]>;
}

/**
 * Reads a service's config from the environment (ConfigMap) and from `<KEY>_FILE` for secret
 * keys (mounted Secret), then converts, defaults and validates it with env-schema, the loader
 * inside @fastify/env (the app registers @fastify/env with the result, see config-plugin.ts).
 * It runs before any Fastify instance exists because the logger, host and port come from it.
 * Fails with a ConfigError naming every bad key; values never appear in messages.
 */
export function loadConfig<T extends TObject>(schema: T, options: LoadConfigOptions<T> = {}): Static<T> {
  const env = options.env ?? process.env;
  const problems = new Map<string, string>();
  const raw: Record<string, string> = {};

  for (const [key, propertySchema] of Object.entries(schema.properties) as Array<[string, TSchema]>) {
    const value = asWritten(key, propertySchema, readValue(key, propertySchema, env, problems), problems);
    if (value !== undefined) raw[key] = value;
  }
  const config = validated(schema, raw, problems);
  if (typeof config.DATA_DIR === 'string') config.DATA_DIR = resolveDataDir(config.DATA_DIR, options.cwd);
  // The checks beyond the schema run even when it failed, on the keys it passed, so that one
  // message names every bad key; a key already named is not named again.
  const add = (key: string, problem: string) => {
    if (!problems.has(key)) problems.set(key, problem);
  };
  for (const [key, problem] of baseConfigProblems(config as Partial<BaseConfig>)) add(key, problem);
  if (config.NODE_ENV === 'production') {
    for (const key of options.requiredInProduction ?? []) {
      if (config[key] !== undefined) continue;
      const propertySchema = schema.properties[key] as TSchema;
      add(key, `is required in production${isSecret(propertySchema) ? ` (or ${key}_FILE)` : ''}`);
    }
  }
  if (options.refine) {
    try {
      for (const [key, problem] of options.refine(config as Static<T>)) add(key, problem);
    } catch (error) {
      // A rule that cannot run without a key the schema refused: that key is named already.
      if (problems.size === 0) throw error;
    }
  }
  if (problems.size > 0) throw new ConfigError(problems, (config as Partial<BaseConfig>).LOG_FORMAT);
  return config as Static<T>;
}

/**
 * `raw` converted, defaulted and validated (env-schema). When the schema refuses some keys, they
 * are added to `problems`, and what is answered is the other keys alone, converted and
 * defaulted (each refused key left out, or at its default), for the checks that follow.
 */
function validated(schema: TObject, raw: Record<string, string>, problems: Map<string, string>): Record<string, unknown> {
  // A key whose file could not be read is reported as such, not also as missing.
  const load = (data: Record<string, string>) =>
    envSchema({ schema: toJsonSchema(schema, { optional: [...problems.keys()] }), data, env: false, ajv: configAjv() }) as Record<
      string,
      unknown
    >;
  try {
    return load(raw);
  } catch (error) {
    for (const [key, problem] of problemsOf(error, schema)) if (!problems.has(key)) problems.set(key, problem);
  }
  // Passes: each refused key is left out and optional now, and the schema reports every error at
  // once (allErrors), so no other key can fail this time.
  return load(Object.fromEntries(Object.entries(raw).filter(([key]) => !problems.has(key))));
}

function readValue(key: string, schema: TSchema, env: NodeJS.ProcessEnv, problems: Map<string, string>): string | undefined {
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
    problems.set(key, `cannot read ${key}_FILE (${String((error as NodeJS.ErrnoException).code)})`);
    return undefined;
  }
}

/** Decimal digits, maybe a fraction and an exponent: what is or is not an integer is then the schema's say. */
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * A number as written in decimal digits, spaces around it dropped; blank is unset, like empty.
 * Ajv's coercion alone reads `' '` as 0 (PORT: any free port; a limit: off), and `0x1F90`,
 * `0o17` or `0b1` in bases the operator hardly meant. Anything else is refused in Ajv's words.
 */
function asWritten(key: string, schema: TSchema, value: string | undefined, problems: Map<string, string>): string | undefined {
  const type = (schema as { type?: unknown }).type;
  if (value === undefined || (type !== 'integer' && type !== 'number')) return value;
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  // An exponent past a double's range (`1e400`) is Infinity, which Ajv counts as an integer: it
  // would pass here and fail the app's own check of its config later, as a crash naming no rule.
  if (DECIMAL.test(trimmed) && Number.isFinite(Number(trimmed))) return trimmed;
  problems.set(key, `must be ${type}`);
  return undefined;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** One of Ajv's validation errors, as env-schema attaches them to the error it throws. */
interface ErrorObject {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string;
}

/** Ajv's errors (all of them: the validator runs with allErrors) as one problem per key. */
function problemsOf(error: unknown, schema: TObject): Map<string, string> {
  const errors = (error as { errors?: ErrorObject[] }).errors;
  if (!errors) throw error;
  const problems = new Map<string, string>();
  for (const failure of errors) {
    const key =
      failure.keyword === 'required' ? (failure.params as { missingProperty: string }).missingProperty : failure.instancePath.split('/')[1];
    if (!key || problems.has(key)) continue;
    problems.set(key, failure.keyword === 'required' ? 'is required' : describe(schema.properties[key], String(failure.message)));
  }
  return problems;
}

/** Enumerations read better as their allowed values than as Ajv's "must match a schema in anyOf". */
function describe(schema: TSchema | undefined, message: string): string {
  const options = (schema as { anyOf?: Array<{ const?: unknown }> } | undefined)?.anyOf;
  if (options?.every((option) => option.const !== undefined)) {
    return `must be one of ${options.map((option) => String(option.const)).join(', ')}`;
  }
  return message;
}
