export { defineError, isDefinedError, type CodedErrorConstructor, type DefineErrorOptions } from './define-error.ts';
export { errorBody, errorHandlerPlugin, type ErrorBody } from './error-handler.ts';
export { formatSchemaErrors } from './schema-errors.ts';
export { NotFoundError, ServiceUnavailableError, ValidationError } from './common-errors.ts';
export { withRetryAfter } from './retry-after.ts';
