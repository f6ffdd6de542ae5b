/**
 * What every error response must look like, and what no response may ever contain: the JSON
 * error shape `{ statusCode, code, error, message }`, and no stack trace, file path or SQL.
 */
export interface ResponseLike {
  statusCode: number;
  headers: Record<string, unknown>;
  body: string;
}

/** A stack frame, a source or dependency path, or Node's internals. */
const STACK_TRACE = /\n\s+at |\bat \S+ \(\S+:\d+:\d+\)|node:internal|\/node_modules\/|\.(?:ts|js|mjs):\d+:\d+/;
/** SQL and PostgreSQL's own error wording. */
const SQL =
  /\b(?:SELECT\s.+\sFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|syntax error at or near|violates\s+\w+(?:\s+\w+)?\s+constraint|duplicate key value|relation "\w+"|column "\w+"|invalid input syntax for|SQLSTATE|pg_catalog|current transaction is aborted)\b/i;

/** Problems of one error response's shape; none for a well-formed one. */
export function errorShapeProblems(response: ResponseLike): string[] {
  const problems: string[] = [];
  const type = String(response.headers['content-type'] ?? '');
  if (!type.startsWith('application/json')) problems.push(`content-type is ${type || '(none)'}, not application/json`);
  let body: unknown;
  try {
    body = JSON.parse(response.body);
  } catch {
    return [...problems, `body is not JSON: ${response.body.slice(0, 200)}`];
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return [...problems, 'body is not an object'];
  const keys = Object.keys(body).sort();
  if (keys.join(',') !== 'code,error,message,statusCode')
    problems.push(`body has keys ${keys.join(', ')}, not code, error, message, statusCode`);
  const { statusCode, code, error, message } = body as Record<string, unknown>;
  if (statusCode !== response.statusCode) problems.push(`body statusCode ${String(statusCode)} is not the status ${response.statusCode}`);
  for (const [name, value] of Object.entries({ code, error, message }))
    if (typeof value !== 'string' || value.length === 0) problems.push(`${name} is not a non-empty string`);
  return problems;
}

/** Stack traces, paths or SQL anywhere in a response, body or headers. */
export function leakProblems(response: ResponseLike): string[] {
  const text = `${Object.entries(response.headers)
    .map(([name, value]) => `${name}: ${String(value)}`)
    .join('\n')}\n\n${response.body}`;
  const problems: string[] = [];
  const stack = STACK_TRACE.exec(text);
  if (stack) problems.push(`a stack trace or source path: …${text.slice(Math.max(0, stack.index - 40), stack.index + 80)}…`);
  const sql = SQL.exec(text);
  if (sql) problems.push(`SQL or a database error: …${text.slice(Math.max(0, sql.index - 40), sql.index + 80)}…`);
  return problems;
}
