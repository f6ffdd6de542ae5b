/** Test doubles of the token contract: an issuer standing in for the user service, and forgeries. */
export { createTestIssuer, type TestIssuer, type SignOptions } from './test-issuer.ts';
export { forgedTokens, type ForgedToken, type TokenSigner } from './forged-tokens.ts';
export { serveIssuer, type ServedIssuer } from './serve-issuer.ts';
export { serveJwks, type ServedJwks } from './serve-jwks.ts';
