import createError, { type FastifyErrorConstructor } from '@fastify/error';

export type CodedErrorConstructor = FastifyErrorConstructor<{ code: string; statusCode: number }, unknown[]>;

/** Codes whose message is written for clients, so a 5xx among them may be shown as is. */
const definedCodes = new Set<string>();
/** 5xx codes a service answers to protect itself (DefineErrorOptions.selfProtection). */
const selfProtectionCodes = new Set<string>();

export interface DefineErrorOptions {
  /**
   * A 5xx the service answers by design to protect itself (load shed, a replica draining): not a
   * fault to investigate, so the error handler writes no error line with a stack for it. Such
   * answers come by the thousand exactly when the service can least afford a synchronous write
   * each; the request line (status 503) and the request metrics count them.
   */
  selfProtection?: boolean;
}

/**
 * Declares an error a service answers with on purpose, e.g.
 * `defineError('CART_PRODUCT_NOT_FOUND', 'Product %s not found', 404)`.
 */
export function defineError(code: string, message: string, statusCode: number, options: DefineErrorOptions = {}): CodedErrorConstructor {
  definedCodes.add(code);
  if (options.selfProtection) selfProtectionCodes.add(code);
  return createError(code, message, statusCode) as CodedErrorConstructor;
}

export function isDefinedError(error: { code?: unknown }): boolean {
  return typeof error.code === 'string' && definedCodes.has(error.code);
}

export function isSelfProtection(error: { code?: unknown }): boolean {
  return typeof error.code === 'string' && selfProtectionCodes.has(error.code);
}
