import createError, { type FastifyErrorConstructor } from '@fastify/error';

export type CodedErrorConstructor = FastifyErrorConstructor<{ code: string; statusCode: number }, unknown[]>;

/** Codes whose message is written for clients, so a 5xx among them may be shown as is. */
const definedCodes = new Set<string>();

/**
 * Declares an error a service answers with on purpose, e.g.
 * `defineError('CART_PRODUCT_NOT_FOUND', 'Product %s not found', 404)`.
 */
export function defineError(code: string, message: string, statusCode: number): CodedErrorConstructor {
  definedCodes.add(code);
  return createError(code, message, statusCode) as CodedErrorConstructor;
}

export function isDefinedError(error: { code?: unknown }): boolean {
  return typeof error.code === 'string' && definedCodes.has(error.code);
}
