import { defineError } from './define-error.ts';

export const NotFoundError = defineError('NOT_FOUND', '%s', 404);
export const ValidationError = defineError('FST_ERR_VALIDATION', '%s', 400);
/** A dependency (database, another service) is down; the client may retry after Retry-After. */
export const ServiceUnavailableError = defineError('SERVICE_UNAVAILABLE', '%s', 503);
