import type { FastifyEnvOptions } from '@fastify/env';
import addFormats from 'ajv-formats';
import type { TObject } from 'typebox';

/**
 * env-schema's own validator (all errors, defaults, strings coerced to the declared types),
 * taught the formats the schemas use (`uri`) and the `x-secret` mark. One per process: the
 * first check configures env-schema's fresh instance, later ones get that instance itself, so
 * neither Ajv nor a schema is built twice (Ajv keeps what it compiled by schema object): the
 * app's @fastify/env registration reuses what loadConfig compiled. Each build is a sizeable
 * share of a service's start.
 */
export function configAjv(): NonNullable<FastifyEnvOptions['ajv']> {
  return (
    configured ?? {
      customOptions(ajv) {
        if (!configured) {
          addFormats.default(ajv as unknown as Parameters<typeof addFormats.default>[0]);
          configured = ajv.addKeyword({ keyword: 'x-secret', schemaType: 'boolean' });
        }
        return configured;
      },
    }
  );
}

type ConfigValidator = Parameters<NonNullable<Extract<FastifyEnvOptions['ajv'], { customOptions: unknown }>['customOptions']>>[0];
let configured: ConfigValidator | undefined;

/**
 * A plain JSON copy of a TypeBox schema: env-schema sets `additionalProperties: false` on the
 * schema it is given, and must not change the service's own.
 */
export function toJsonSchema(schema: TObject, { optional = [] }: { optional?: string[] } = {}): Record<string, unknown> {
  // The same copy for the same schema and optional keys: the validator's compiled code is kept by it.
  const copies = jsonCopies.get(schema) ?? new Map<string, Record<string, unknown>>();
  jsonCopies.set(schema, copies);
  const key = [...optional].sort().join(',');
  const cached = copies.get(key);
  if (cached) return cached;
  const copy = JSON.parse(JSON.stringify(schema)) as { required?: string[] };
  if (copy.required) copy.required = copy.required.filter((name) => !optional.includes(name));
  copies.set(key, copy);
  return copy;
}

const jsonCopies = new WeakMap<TObject, Map<string, Record<string, unknown>>>();
