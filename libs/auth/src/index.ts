export { authPlugin, type AuthPluginOptions, type AuthenticatedUser, type AccessPolicy } from './auth-plugin.ts';
export { TOKEN_ALGORITHMS } from './algorithms.ts';
export { authorizationHeaderCount } from './authorization-header-count.ts';
export { accessTokenVerifyOptions, MAX_ACCESS_TOKEN_AGE_SECONDS, refuseMalformedIdentifiers, requireKeyId } from './access-token-checks.ts';
export {
  AuthMissingTokenError,
  AuthInvalidTokenError,
  AuthInvalidRequestError,
  AuthForbiddenError,
  AuthKeysUnavailableError,
  INVALID_TOKEN_CHALLENGE,
} from './errors.ts';
export { audienceProblems, authConfigProblems, authConfigProperties } from './auth-config.ts';
export { createRemoteKeySet, KeySetUnavailableError, type RemoteKeySet, type RemoteKeySetOptions } from './remote-key-set.ts';
export {
  ACCESS_TOKEN_TYPE,
  OPERATOR_ROLE,
  PAYMENT_AUDIENCE,
  ROLES,
  SCOPES,
  SHOP_CLIENT_ID,
  WHO_CAN_MOVE_MONEY,
  type Principal,
  type Role,
  type Scope,
} from './token-contract.ts';
export { developmentClientSecret } from './client-secret.ts';
