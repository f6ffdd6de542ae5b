import { Ajv, type Options } from 'ajv';
import addFormats from 'ajv-formats';
import { CANONICAL_UUID } from '@myshop/schemas';
import type { FastifySchemaCompiler } from 'fastify';

const MAX_LOCAL_PART = 64;
/** DNS takes at most 63 characters between two dots (RFC 1035 §2.3.4). */
const LONG_DOMAIN_LABEL = /[^.@]{64}/;

const common: Options = {
  // Unknown fields are an error, not something to drop silently (Fastify's default strips them).
  removeAdditional: false,
  useDefaults: true,
  allErrors: false,
  strict: false,
};

function makeAjv(options: Options): Ajv {
  const ajv = new Ajv({ ...common, ...options });
  addFormats.default(ajv);
  // ajv-formats' `uuid` also takes `urn:uuid:…`, which PostgreSQL's uuid type refuses: such an id
  // would pass validation and fail in the query (a 500). Ours is the canonical form only.
  ajv.addFormat('uuid', CANONICAL_UUID);
  // ajv-formats' `email` takes any length before the @; mail servers take 64 (RFC 5321 §4.5.3.1.1).
  // It takes a domain label of any length too, which no mail can reach: an address nobody owns.
  const email = ajv.formats.email as RegExp;
  ajv.addFormat('email', (value: string) => {
    const at = value.indexOf('@');
    return at <= MAX_LOCAL_PART && !LONG_DOMAIN_LABEL.test(value.slice(at + 1)) && email.test(value);
  });
  return ajv;
}

// Query strings, params and headers are always text: coerce them to the declared types.
const coercing = makeAjv({ coerceTypes: 'array' });
// JSON bodies carry real types: `"5"` is not a quantity, so nothing is coerced.
const strict = makeAjv({ coerceTypes: false });

/** An integer as text, written one way only: decimal digits, no sign but `-`, no leading zero. */
const CANONICAL_INTEGER = /^(?:0|-?[1-9][0-9]*)$/;

type Validate = ((data: unknown) => boolean) & { errors?: unknown[] | null };

/**
 * ajv coerces any text `Number()` reads to an integer: `0x10`, `1e1`, `+5`, ` 5`, `05`, `5.0`.
 * None of them is how a client writes a count, `0x10` read as 16 surprises whoever wrote it, and
 * each is one more URL for the same public, cached page (as a cursor is only ever the exact text
 * issued). Such text fails as any other non-integer does: "must be integer".
 */
function canonicalIntegers(schema: { properties?: Record<string, { type?: unknown }> }, validate: Validate): Validate {
  const integers = Object.entries(schema.properties ?? {})
    .filter(([, property]) => property.type === 'integer')
    .map(([name]) => name);
  if (integers.length === 0) return validate;
  const checked: Validate = (data) => {
    const fields = (data ?? {}) as Record<string, unknown>;
    const spelt = integers.find((name) => typeof fields[name] === 'string' && !CANONICAL_INTEGER.test(fields[name]));
    if (spelt !== undefined) {
      checked.errors = [
        {
          instancePath: `/${spelt}`,
          schemaPath: `#/properties/${spelt}/type`,
          keyword: 'type',
          params: { type: 'integer' },
          message: 'must be integer',
        },
      ];
      return false;
    }
    const valid = validate(data);
    checked.errors = validate.errors;
    return valid;
  };
  return checked;
}

export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) =>
  (httpPart === 'body'
    ? strict.compile(schema as object)
    : canonicalIntegers(schema as object, coercing.compile(schema as object))) as ReturnType<FastifySchemaCompiler<unknown>>;
