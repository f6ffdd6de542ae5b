import { markdownSection } from '../docs/markdown-section.ts';
import { operationsOf, type JsonSchema, type OpenApiDocument, type Operation } from './document.ts';

/** The methods a route table lists: HEAD, OPTIONS and TRACE answer for every route alike. */
const LISTED_METHODS = ['GET', 'PUT', 'POST', 'DELETE', 'PATCH'];

/** One row of a README's route table: `| \`POST /cart/items\` | Bearer | \`{ productId, quantity }\` | 201 cart; 404, 422 |`. */
interface RouteRow {
  operation: string;
  cells: string[];
}

/** The rows of the README's table whose first cell is `` `METHOD /path` `` (the route table). */
function routeRows(readme: string): RouteRow[] {
  return readme.split('\n').flatMap((line) => {
    const cells = line
      .split('|')
      .slice(1, -1)
      .map((cell) => cell.trim());
    const operation = /^`([A-Z]+ \/\S*)`$/.exec(cells[0] ?? '')?.[1];
    return operation ? [{ operation, cells }] : [];
  });
}

/** The document's operations as a README writes them: `GET /cart/orders/:id`. */
function operations(document: OpenApiDocument): Map<string, Operation> {
  return new Map(
    operationsOf(document)
      .filter(({ method }) => LISTED_METHODS.includes(method))
      .map(({ method, path, operation }) => [`${method} ${path.replaceAll(/\{(\w+)\}/g, ':$1')}`, operation]),
  );
}

/** The fields a row names in `{ a, b? }`: each name, and whether it is marked optional. */
function bodyFields(cell: string): Array<{ name: string; optional: boolean }> | undefined {
  const fields = /`\{ ([^}`]*) \}`/.exec(cell)?.[1];
  return fields?.split(',').map((field) => ({ name: field.trim().replace(/\?$/, ''), optional: field.trim().endsWith('?') }));
}

function jsonBody(operation: Operation): JsonSchema | undefined {
  return operation.requestBody?.content['application/json']?.schema;
}

/**
 * What a service README's route table says that its OpenAPI document does not: an operation on one
 * side only; a status of the answer column the operation does not declare; `public` for a route
 * that asks for credentials, or the reverse; a query parameter (`?limit&cursor`), request header
 * (`` `Idempotency-Key` ``) or body field (`` `{ email, password }` ``, `?` for an optional one) that
 * is not the operation's. Empty when the two agree.
 */
export function readmeRouteProblems(readme: string, document: OpenApiDocument): string[] {
  const rows = routeRows(readme);
  const documented = operations(document);
  const problems: string[] = [];
  if (rows.length === 0) return ['the README has no route table (rows starting with | `METHOD /path` |)'];
  for (const operation of documented.keys()) {
    if (!rows.some((row) => row.operation === operation)) problems.push(`${operation}: in the OpenAPI document, not in the README's table`);
  }
  for (const { operation: name, cells } of rows) {
    const operation = documented.get(name);
    if (!operation) {
      problems.push(`${name}: in the README's table, not in the OpenAPI document`);
      continue;
    }
    const row = cells.slice(1).join(' | ');
    const answer = cells.at(-1) ?? '';
    for (const status of answer.match(/\b[1-5]\d\d\b/g) ?? []) {
      if (!(status in operation.responses)) problems.push(`${name}: the README answers ${status}, which the document does not declare`);
    }
    const isPublic = (operation.security ?? []).length === 0;
    if (/^public\b/.test(cells[1] ?? '') !== isPublic)
      problems.push(`${name}: the README says "${cells[1]}", the document ${isPublic ? 'public' : 'secured'}`);
    const parameters = operation.parameters ?? [];
    const query = /`?\?([a-z]\w*(?:&[a-z]\w*)*)`?/.exec(row)?.[1]?.split('&') ?? [];
    const declaredQuery = parameters.filter((parameter) => parameter.in === 'query').map((parameter) => parameter.name);
    if (query.join('&') !== declaredQuery.join('&') && (query.length > 0 || declaredQuery.length > 0))
      problems.push(`${name}: the README's query ?${query.join('&')}, the document's ?${declaredQuery.join('&')}`);
    for (const header of row.match(/`[A-Z][A-Za-z]*(?:-[A-Z][A-Za-z]*)+`/g) ?? []) {
      const headerName = header.slice(1, -1).toLowerCase();
      if (headerName === 'location') continue;
      if (!parameters.some((parameter) => parameter.in === 'header' && parameter.name === headerName))
        problems.push(`${name}: the README names the header ${header}, which the document does not take`);
    }
    const fields = bodyFields(cells[2] ?? '');
    if (fields) {
      const schema = jsonBody(operation);
      const properties = Object.keys(schema?.properties ?? {});
      const required = schema?.required ?? [];
      const written = fields.map((field) => `${field.name}${field.optional ? '?' : ''}`).sort();
      const expected = properties.map((property) => `${property}${required.includes(property) ? '' : '?'}`).sort();
      if (written.join(',') !== expected.join(','))
        problems.push(`${name}: the README's body { ${written.join(', ')} }, the document's { ${expected.join(', ')} }`);
    }
  }
  return problems;
}

/**
 * The codes a README's `## Error codes` section lists, each with its status: `- \`CODE\` (404): …`,
 * or several codes and as many statuses (`- \`A\`, \`B\` (400, 408): …`; one status for all).
 */
export function readmeErrorCodes(readme: string): Map<string, number> {
  const section = markdownSection(readme, 'Error codes') ?? '';
  const codes = new Map<string, number>();
  for (const match of section.matchAll(/^- ((?:`[A-Za-z_]+`(?:, )?)+) \(([\d, ]+)\)/gm)) {
    const names = [...match[1]!.matchAll(/`([A-Za-z_]+)`/g)].map((name) => name[1]!);
    const statuses = match[2]!.split(',').map(Number);
    names.forEach((name, index) => codes.set(name, statuses[statuses.length === 1 ? 0 : index]!));
  }
  return codes;
}

/** The coded errors a module exports (`defineError`'s constructors), as `[code, status]`. */
export function exportedErrorCodes(module: Record<string, unknown>): Array<[string, number]> {
  return Object.values(module).flatMap((value) => {
    if (typeof value !== 'function' || !(value.prototype instanceof Error)) return [];
    const error = new (value as new () => Error & { code?: unknown; statusCode?: unknown })();
    return typeof error.code === 'string' && typeof error.statusCode === 'number'
      ? [[error.code, error.statusCode] as [string, number]]
      : [];
  });
}
