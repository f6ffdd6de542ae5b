import { Type, type TSchema } from 'typebox';

/**
 * `schema` as a 201 that names where the created resource is read (RFC 9110 §15.3.2: without a
 * Location, a 201 says it created the request's own target, here the collection it was posted
 * to). Documented in the route's OpenAPI answer; the handler sets the header.
 */
export function createdResponse<T extends TSchema>(schema: T, location: string): T {
  return {
    ...schema,
    headers: { ...(schema as { headers?: object }).headers, location: Type.String({ description: `Where it is read: ${location}` }) },
  };
}
