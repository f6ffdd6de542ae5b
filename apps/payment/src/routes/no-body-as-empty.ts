import type { FastifyRequest } from 'fastify';

/**
 * A route's preValidation for a POST whose body is optional: no body at all is read as `{}`, so
 * the body schema judges one shape (a JSON null is still refused).
 */
export async function noBodyAsEmptyObject(request: FastifyRequest): Promise<void> {
  if (request.body === undefined) request.body = {};
}
