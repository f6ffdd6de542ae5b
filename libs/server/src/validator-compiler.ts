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

export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? strict : coercing).compile(schema as object) as ReturnType<FastifySchemaCompiler<unknown>>;
