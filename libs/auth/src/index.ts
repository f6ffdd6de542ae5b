export { authPlugin, type AuthPluginOptions, type AuthenticatedUser } from './auth-plugin.ts';
export { TOKEN_ALGORITHMS } from './algorithms.ts';
export { AuthMissingTokenError, AuthInvalidTokenError, AuthKeysUnavailableError } from './errors.ts';
export { authConfigProperties } from './auth-config.ts';
