import type { FastifySchemaValidationError } from 'fastify/types/schema.js';

/**
 * Turns Ajv's errors into one message that names the offending field, e.g.
 * `body/quantity must be <= 99` or `body/userId is not allowed`.
 */
export function formatSchemaErrors(errors: FastifySchemaValidationError[], dataVar: string): Error {
  const message = errors.map((error) => describe(error, dataVar)).join('; ');
  return new Error(message);
}

const MAX_PATTERN_IN_MESSAGE = 40;

function describe(error: FastifySchemaValidationError, dataVar: string): string {
  const path = `${dataVar}${error.instancePath}`;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties':
      return `${path}/${String(params.additionalProperty)} is not allowed`;
    case 'required':
      return `${path}/${String(params.missingProperty)} is required`;
    case 'pattern':
      // A short pattern says what is wanted (`^[A-Z]{3}$`); a long one (a display name's
      // character classes) only buries the field's name: the API's documents say the rule.
      if (String(params.pattern).length > MAX_PATTERN_IN_MESSAGE) return `${path} holds characters or a form it does not accept`;
      return `${path} ${error.message ?? 'is invalid'}`;
    default:
      return `${path} ${error.message ?? 'is invalid'}`;
  }
}
