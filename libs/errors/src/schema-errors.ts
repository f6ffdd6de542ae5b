import type { FastifySchemaValidationError } from 'fastify/types/schema.js';

/**
 * Turns Ajv's errors into one message that names the offending field, e.g.
 * `body/quantity must be <= 99` or `body/userId is not allowed`.
 */
export function formatSchemaErrors(errors: FastifySchemaValidationError[], dataVar: string): Error {
  const message = errors.map((error) => describe(error, dataVar)).join('; ');
  return new Error(message);
}

function describe(error: FastifySchemaValidationError, dataVar: string): string {
  const path = `${dataVar}${error.instancePath}`;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties':
      return `${path}/${String(params.additionalProperty)} is not allowed`;
    case 'required':
      return `${path}/${String(params.missingProperty)} is required`;
    default:
      return `${path} ${error.message ?? 'is invalid'}`;
  }
}
