import type { TSchema } from 'typebox';

const SECRET = 'x-secret';

/**
 * Marks a config key as a secret: it may come from `<KEY>_FILE` (a mounted Kubernetes Secret)
 * instead of the variable itself, and its value is never echoed in an error message.
 */
export function secret<T extends TSchema>(schema: T): T {
  return { ...schema, [SECRET]: true };
}

export function isSecret(schema: TSchema): boolean {
  return (schema as Record<string, unknown>)[SECRET] === true;
}
