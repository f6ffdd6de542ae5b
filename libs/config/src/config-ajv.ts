import type { FastifyEnvOptions } from '@fastify/env';
import addFormats from 'ajv-formats';
import type { TObject } from 'typebox';

/**
 * env-schema's own validator (all errors, defaults, strings coerced to the declared types),
 * taught the formats the schemas use (`uri`) and the `x-secret` mark.
 */
export const configAjv: NonNullable<FastifyEnvOptions['ajv']> = {
  customOptions(ajv) {
    addFormats.default(ajv as unknown as Parameters<typeof addFormats.default>[0]);
    return ajv.addKeyword({ keyword: 'x-secret', schemaType: 'boolean' });
  },
};

/**
 * A plain JSON copy of a TypeBox schema: env-schema sets `additionalProperties: false` on the
 * schema it is given, and must not change the service's own.
 */
export function toJsonSchema(schema: TObject, { optional = [] }: { optional?: string[] } = {}): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(schema)) as { required?: string[] };
  if (copy.required) copy.required = copy.required.filter((key) => !optional.includes(key));
  return copy;
}
