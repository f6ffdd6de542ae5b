import { randomUUID } from 'node:crypto';
import { resolveRef, type JsonSchema, type OpenApiDocument, type OperationEntry, type Parameter } from './document.ts';

/** A valid request of one operation, in parts; the driver derives the invalid ones from it. */
export interface ExampleRequest {
  params?: Record<string, string>;
  query?: Record<string, string | number>;
  headers?: Record<string, string>;
  /** Sent as JSON. */
  body?: unknown;
  /** The status this valid request gets when it is not a 2xx (e.g. a 409 the example sets up). */
  status?: number;
}

/** What is actually sent: `app.inject()` options. */
export interface WireRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string;
}

/** An invalid request and the status it must get (undefined: any declared status). */
export interface Probe {
  label: string;
  request: WireRequest;
  expected?: number;
}

export interface ProbeLimits {
  bodyLimitBytes: number;
  maxParamLength: number;
}

export function toWire(entry: OperationEntry, example: ExampleRequest, raw?: { contentType: string; payload: string }): WireRequest {
  const path = entry.path.replace(/\{([^}]+)\}/g, (_match, name: string) => example.params?.[name] ?? '');
  const query = new URLSearchParams(
    Object.entries(example.query ?? {}).map(([name, value]): [string, string] => [name, String(value)]),
  ).toString();
  const headers: Record<string, string> = { ...example.headers };
  let payload: string | undefined;
  if (raw) {
    headers['content-type'] = raw.contentType;
    payload = raw.payload;
  } else if (example.body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(example.body);
  }
  return { method: entry.method, url: query ? `${path}?${query}` : path, headers, payload };
}

/**
 * The invalid requests of an operation, made from its valid example and what the document says
 * of it: without a token, with a too long / unknown / malformed path id, without each required
 * parameter, with a value its schema refuses, an unknown query parameter, and bodies that are
 * of the wrong media type, malformed, too large, missing a field, carrying an unknown one or a
 * field of the wrong type.
 */
export function probesFor(document: OpenApiDocument, entry: OperationEntry, example: ExampleRequest, limits: ProbeLimits): Probe[] {
  const { operation } = entry;
  const probes: Probe[] = [];
  const add = (label: string, expected: number | undefined, changed: ExampleRequest, raw?: { contentType: string; payload: string }) =>
    probes.push({ label, expected, request: toWire(entry, changed, raw) });

  if ((operation.security ?? []).length > 0 && example.headers?.authorization !== undefined) {
    const { authorization: _token, ...others } = example.headers;
    add('without a token', 401, { ...example, headers: others });
    add('with a token that is not one', 401, { ...example, headers: { ...others, authorization: 'Bearer not.a.token' } });
  }

  const parameters = (operation.parameters ?? []).map((parameter) => resolveRef<Parameter>(document, parameter));
  for (const parameter of parameters.filter((p) => p.in === 'path')) {
    const withParam = (value: string) => ({ ...example, params: { ...example.params, [parameter.name]: value } });
    add(`with path ${parameter.name} longer than the router takes`, 414, withParam('a'.repeat(limits.maxParamLength + 1)));
    add(`with an unknown path ${parameter.name}`, 404, withParam(randomUUID()));
    add(`with a malformed percent-encoding in path ${parameter.name}`, 400, withParam('%E0%A4%A'));
  }
  for (const parameter of parameters.filter((p) => p.in === 'query')) {
    const without = Object.fromEntries(Object.entries(example.query ?? {}).filter(([name]) => name !== parameter.name));
    if (parameter.required) add(`without required query ${parameter.name}`, 400, { ...example, query: without });
    const invalid = invalidValue(document, parameter.schema);
    if (invalid !== undefined)
      add(`with query ${parameter.name}=${invalid.slice(0, 20)}`, 400, { ...example, query: { ...without, [parameter.name]: invalid } });
  }
  add('with an unknown query parameter', undefined, { ...example, query: { ...example.query, unknown_parameter: '1' } });
  for (const parameter of parameters.filter((p) => p.in === 'header')) {
    const name = parameter.name.toLowerCase();
    const without = Object.fromEntries(Object.entries(example.headers ?? {}).filter(([header]) => header.toLowerCase() !== name));
    if (parameter.required) add(`without required header ${name}`, 400, { ...example, headers: without });
    const invalid = invalidValue(document, parameter.schema);
    if (invalid !== undefined) add(`with header ${name} its schema refuses`, 400, { ...example, headers: { ...without, [name]: invalid } });
  }

  if (entry.method !== 'GET' && entry.method !== 'HEAD') {
    add('with a body of a media type it does not take', 415, example, { contentType: 'application/xml', payload: '<order/>' });
    add('with malformed JSON', 400, example, { contentType: 'application/json', payload: '{"a":' });
    const padding = 'a'.repeat(limits.bodyLimitBytes);
    add('with a body over the size limit', 413, example, { contentType: 'application/json', payload: JSON.stringify({ padding }) });
  }
  const bodySchema = resolveRef<JsonSchema | undefined>(document, operation.requestBody?.content['application/json']?.schema);
  if (bodySchema?.properties && isRecord(example.body)) {
    const body = example.body;
    for (const field of bodySchema.required ?? []) {
      const { [field]: _removed, ...rest } = body;
      add(`without body field ${field}`, 400, { ...example, body: rest });
    }
    if (bodySchema.additionalProperties === false)
      add('with an unknown body field', 400, { ...example, body: { ...body, unknownField: 1 } });
    for (const [field, schema] of Object.entries(bodySchema.properties)) {
      const wrong = wrongType(resolveRef(document, schema));
      if (wrong !== undefined) add(`with body field ${field} of the wrong type`, 400, { ...example, body: { ...body, [field]: wrong } });
    }
  }
  return probes;
}

/** A value of the wrong JSON type for `schema`; undefined when the schema names no type. */
function wrongType(schema: JsonSchema): unknown {
  const types = [schema.type ?? []].flat();
  if (types.includes('string')) return types.includes('object') ? [12345] : 12345;
  if (types.length === 0 && schema.const === undefined && schema.anyOf === undefined) return undefined;
  return types.includes('object') ? 'text' : { unexpected: true };
}

/** A text value (query or header) its schema refuses, when the schema says enough to make one. */
function invalidValue(document: OpenApiDocument, schema: JsonSchema | undefined): string | undefined {
  if (!schema) return undefined;
  const resolved = resolveRef(document, schema);
  const types = [resolved.type ?? []].flat();
  if (types.includes('integer') || types.includes('number'))
    return resolved.maximum !== undefined ? String(resolved.maximum + 1) : 'not-a-number';
  if (resolved.maxLength !== undefined) return 'a'.repeat(resolved.maxLength + 1);
  if (resolved.enum !== undefined || resolved.const !== undefined) return 'not-one-of-the-values';
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
