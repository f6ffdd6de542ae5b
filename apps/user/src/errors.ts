import { defineError } from '@myshop/errors';

export const EmailTakenError = defineError('USER_EMAIL_TAKEN', 'An account with this email already exists', 409);
/** One answer for an unknown email and a wrong password: nobody learns which accounts exist. */
export const InvalidCredentialsError = defineError('USER_INVALID_CREDENTIALS', 'Email or password is incorrect', 401);
export const UserNotFoundError = defineError('USER_NOT_FOUND', 'The account of this token no longer exists', 401);
