import { STATUS_CODES } from 'node:http';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { escapePointer, resolveRef, type Header, type OpenApiDocument, type OperationEntry, type Response } from './document.ts';

/** An answer as `app.inject()` gives it. */
export interface Answer {
  statusCode: number;
  headers: Record<string, unknown>;
  body: string;
}

const DOCUMENT_ID = 'https://myshop.test/openapi.json';

/**
 * Headers a client acts on (where the new thing is, when to retry, what to revalidate, whether
 * this is a replay, which credentials, how long to keep the answer): each one an answer carries
 * must be among its response's documented headers, or a client generated from the document
 * never learns of it.
 */
const CONTRACT_HEADERS = ['location', 'retry-after', 'etag', 'idempotent-replayed', 'www-authenticate', 'cache-control'];

/**
 * Checks answers against what the document declares for their operation: the status is
 * declared, the media type is one declared for it, and the body validates against its schema
 * (JSON Schema 2020-12, as OpenAPI 3.1 has it, `$ref`s resolved in the document's components);
 * a required header is there, a contract header sent is documented, and a documented header's
 * value fits its schema.
 */
export class ResponseChecker {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true });
  private readonly validators = new Map<string, ReturnType<Ajv2020['compile']>>();

  private readonly document: OpenApiDocument;

  constructor(document: OpenApiDocument) {
    this.document = document;
    addFormats.default(this.ajv);
    // The whole document under one id: a response schema's `#/components/...` resolves in it.
    this.ajv.addSchema(document as object, DOCUMENT_ID, undefined, false);
  }

  /** What is wrong with `answer` as an answer of `entry`; nothing when it conforms. */
  problems(entry: OperationEntry, answer: Answer): string[] {
    const status = String(answer.statusCode);
    const declaredAs = [status, `${status[0]}XX`, 'default'].find((key) => entry.operation.responses[key] !== undefined);
    if (!declaredAs) {
      return [
        `status ${status} is not declared (declared: ${Object.keys(entry.operation.responses).join(', ')}): ${answer.body.slice(0, 200)}`,
      ];
    }
    const reference = entry.operation.responses[declaredAs] as { $ref?: unknown };
    const responsePointer =
      typeof reference.$ref === 'string' ? reference.$ref.slice(1) : `${entry.pointer}/responses/${escapePointer(declaredAs)}`;
    const declared = resolveRef<Response>(this.document, entry.operation.responses[declaredAs]!);
    const headerProblems = this.headerProblems(status, responsePointer, declared, answer);
    return [...headerProblems, ...this.bodyProblems(answer, status, responsePointer, declared)];
  }

  /** Required headers missing, contract headers sent but not documented, values their schema refuses. */
  private headerProblems(status: string, responsePointer: string, declared: Response, answer: Answer): string[] {
    const documented = new Map(Object.keys(declared.headers ?? {}).map((name) => [name.toLowerCase(), name]));
    const problems: string[] = [];
    for (const [lower, name] of documented) {
      const header = resolveRef<Header>(this.document, declared.headers![name]!);
      const value = answer.headers[lower];
      if (value === undefined) {
        if (header.required === true) problems.push(`status ${status}: the required header ${name} is missing`);
        continue;
      }
      if (header.schema === undefined) continue;
      const validate = this.validator(`${responsePointer}/headers/${escapePointer(name)}/schema`);
      if (!validate(String(value))) problems.push(`status ${status}: header ${name}: ${String(value)} does not match its schema`);
    }
    for (const name of CONTRACT_HEADERS.filter((name) => answer.headers[name] !== undefined && !documented.has(name))) {
      problems.push(`status ${status}: header ${name}: ${String(answer.headers[name])} is sent but not documented`);
    }
    return problems;
  }

  private bodyProblems(answer: Answer, status: string, responsePointer: string, declared: Response): string[] {
    const mediaTypes = Object.keys(declared.content ?? {});
    if (mediaTypes.length === 0) {
      return answer.body.length === 0 ? [] : [`status ${status} declares no content, but the body is ${answer.body.slice(0, 200)}`];
    }
    const contentType = String(answer.headers['content-type'] ?? '')
      .split(';')[0]!
      .trim();
    if (!mediaTypes.includes(contentType))
      return [`status ${status}: content-type ${contentType || '(none)'} is not declared (${mediaTypes.join(', ')})`];
    if (!contentType.endsWith('json') || declared.content![contentType]!.schema === undefined) return [];
    let body: unknown;
    try {
      body = JSON.parse(answer.body);
    } catch {
      return [`status ${status}: the body is not JSON: ${answer.body.slice(0, 200)}`];
    }
    const statusProblems = errorStatusProblems(answer.statusCode, body);
    const validate = this.validator(`${responsePointer}/content/${escapePointer(contentType)}/schema`);
    if (validate(body)) return statusProblems;
    const errors = (validate.errors ?? []).map((error) => `${error.instancePath || '(body)'} ${error.message ?? 'is invalid'}`);
    return [...statusProblems, `status ${status}: the body does not match its schema (${errors.join('; ')}): ${answer.body.slice(0, 200)}`];
  }

  private validator(pointer: string) {
    let validate = this.validators.get(pointer);
    if (!validate) {
      // A JSON pointer inside a URI: each segment percent-encoded (paths hold `{id}`).
      const fragment = pointer
        .split('/')
        .map((segment, index) => (index === 0 ? segment : encodeURIComponent(segment)))
        .join('/');
      validate = this.ajv.compile({ $ref: `${DOCUMENT_ID}${fragment}` });
      this.validators.set(pointer, validate);
    }
    return validate;
  }
}

/**
 * What a schema cannot say of an error body `{ statusCode, code, error, message }`: that it names
 * the status it came with, and that `error` is that status' text ("URI Too Long" for a 414).
 */
function errorStatusProblems(status: number, body: unknown): string[] {
  if (status < 400 || body === null || typeof body !== 'object' || !('statusCode' in body) || !('error' in body)) return [];
  const problems: string[] = [];
  if (body.statusCode !== status) problems.push(`status ${status}: the body says statusCode ${String(body.statusCode)}`);
  if (body.error !== STATUS_CODES[status])
    problems.push(`status ${status}: the body says error "${String(body.error)}", not "${STATUS_CODES[status]}"`);
  return problems;
}
