/** The parts of an OpenAPI 3.1 document the conformance driver reads. */
export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, unknown>>;
  components?: { schemas?: Record<string, unknown> };
}

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  pattern?: string;
  format?: string;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  $ref?: string;
}

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: JsonSchema;
}

export interface MediaType {
  schema?: JsonSchema;
}

/** A response header: `required` means every answer of the status carries it. */
export interface Header {
  required?: boolean;
  schema?: JsonSchema;
}

export interface Response {
  description?: string;
  content?: Record<string, MediaType>;
  headers?: Record<string, Header | { $ref: string }>;
}

export interface Operation {
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content: Record<string, MediaType> };
  responses: Record<string, Response>;
  security?: Array<Record<string, string[]>>;
  operationId?: string;
}

/** One operation of the document: `GET /cart/orders/{id}` and where it sits in the document. */
export interface OperationEntry {
  key: string;
  method: string;
  path: string;
  /** JSON pointer of the operation, e.g. `#/paths/~1cart~1orders~1{id}/get`. */
  pointer: string;
  operation: Operation;
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

export function operationsOf(document: OpenApiDocument): OperationEntry[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, operation]) => ({
        key: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        pointer: `#/paths/${escapePointer(path)}/${method}`,
        operation: operation as Operation,
      })),
  );
}

export function escapePointer(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** Follows a local `$ref` (`#/components/...`) to what it names. */
export function resolveRef<T>(document: OpenApiDocument, value: T | { $ref: string }): T {
  if (value === null || typeof value !== 'object' || !('$ref' in value) || typeof value.$ref !== 'string') return value as T;
  const target = value.$ref
    .replace(/^#\//, '')
    .split('/')
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], document);
  if (target === undefined) throw new Error(`unresolvable $ref ${value.$ref}`);
  return resolveRef(document, target as T | { $ref: string });
}
