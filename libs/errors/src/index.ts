export { defineError, isDefinedError, type CodedErrorConstructor } from './define-error.ts';
export { errorHandlerPlugin } from './error-handler.ts';
export { formatSchemaErrors } from './schema-errors.ts';
export { NotFoundError, ServiceUnavailableError, ValidationError } from './common-errors.ts';
export { withRetryAfter } from './retry-after.ts';
