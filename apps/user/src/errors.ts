import { defineError } from '@myshop/errors';

export const EmailTakenError = defineError('USER_EMAIL_TAKEN', 'An account with this email already exists', 409);
/** One answer for an unknown email and a wrong password: nobody learns which accounts exist. */
export const InvalidCredentialsError = defineError('USER_INVALID_CREDENTIALS', 'Email or password is incorrect', 401);
export const UserNotFoundError = defineError('USER_NOT_FOUND', 'The account of this token no longer exists', 401);

// The token endpoint's refusals, named after OAuth's (RFC 6749 §5.2, RFC 8693 §2.2.2).
export const InvalidClientError = defineError('USER_INVALID_CLIENT', 'Client authentication failed', 401);
export const InvalidGrantError = defineError('USER_INVALID_GRANT', 'The subject token is invalid or expired', 400);
export const InvalidScopeError = defineError('USER_INVALID_SCOPE', 'The scope %s is not allowed for this client and grant', 400);
export const InvalidTargetError = defineError('USER_INVALID_TARGET', 'The audience %s is not allowed for this client', 400);
