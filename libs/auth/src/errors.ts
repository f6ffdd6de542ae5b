import { defineError } from '@myshop/errors';

export const AuthMissingTokenError = defineError('AUTH_MISSING_TOKEN', 'A Bearer token is required', 401);
export const AuthInvalidTokenError = defineError('AUTH_INVALID_TOKEN', 'The access token is invalid or expired', 401);
/** The WWW-Authenticate challenge that goes with AuthInvalidTokenError (RFC 6750). */
export const INVALID_TOKEN_CHALLENGE = 'Bearer realm="myshop", error="invalid_token"';
/**
 * More than one Authorization header: which credential counts would be up to each hop (Node keeps
 * the first, a proxy may check the last), so the request is malformed (RFC 6750 §3.1).
 */
export const AuthInvalidRequestError = defineError('AUTH_INVALID_REQUEST', 'Send one Authorization header', 400);
/** The WWW-Authenticate challenge that goes with AuthInvalidRequestError. */
export const INVALID_REQUEST_CHALLENGE = 'Bearer realm="myshop", error="invalid_request"';
/** A valid token for this service that does not allow this route (a shopper's token on a service route, no role…). */
export const AuthForbiddenError = defineError('AUTH_FORBIDDEN', '%s', 403);
export const AuthKeysUnavailableError = defineError(
  'AUTH_KEYS_UNAVAILABLE',
  'Token keys cannot be fetched right now, try again shortly',
  503,
);
