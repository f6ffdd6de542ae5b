import { Type } from 'typebox';

/** Keys of every service that verifies tokens; spread into the service's config schema. */
export const authConfigProperties = {
  /** The user service's key set; in Kubernetes reached through its Service name. */
  JWKS_URL: Type.String({ format: 'uri', pattern: '^https?://', default: 'http://user-service/user/.well-known/jwks.json' }),
  JWT_ISSUER: Type.String({ minLength: 1, default: 'https://myshop.com/user' }),
  JWT_AUDIENCE: Type.String({ minLength: 1, default: 'myshop' }),
};
