/**
 * Finds the log fields Elasticsearch would refuse. It maps a field's type once per index, from the
 * first line that has it (dynamic mapping); a later line whose field has another type is refused
 * and lost. So every field must keep one JSON type across all lines of all services (they share
 * one data stream), and a field that ECS defines must have ECS's type: `error`, `http`, `service`
 * are objects, `http.response.status_code` a number.
 */
import { EcsFlat } from '@elastic/ecs';

/** A field's JSON type as a mapping sees it: an array counts as its elements, `null` as nothing. */
export type FieldType = 'string' | 'number' | 'boolean' | 'object';

export interface FieldTypeConflict {
  /** The dotted path, as Elasticsearch names the field. */
  field: string;
  /** Each type seen, with the first line that had it (`reports/logs/cart.ndjson:120`). */
  seen: Array<{ type: FieldType; where: string }>;
  /** ECS's type for the field, when ECS defines it and a line disagrees. */
  ecs?: FieldType;
}

export interface LogSource {
  /** Named in conflicts, with the line number. */
  name: string;
  text: string;
}

const ECS_JSON_TYPES: Record<string, FieldType> = {
  keyword: 'string',
  constant_keyword: 'string',
  wildcard: 'string',
  text: 'string',
  match_only_text: 'string',
  ip: 'string',
  date: 'string',
  long: 'number',
  integer: 'number',
  short: 'number',
  byte: 'number',
  float: 'number',
  double: 'number',
  scaled_float: 'number',
  unsigned_long: 'number',
  boolean: 'boolean',
  object: 'object',
  nested: 'object',
  flattened: 'object',
};

/** ECS's JSON type for each field it defines, and `object` for every field set above them (`http`, `http.request`). */
const ecsTypes: ReadonlyMap<string, FieldType> = (() => {
  const types = new Map<string, FieldType>();
  for (const [field, definition] of Object.entries(EcsFlat)) {
    const parts = field.split('.');
    for (let depth = 1; depth < parts.length; depth += 1) types.set(parts.slice(0, depth).join('.'), 'object');
    const type = ECS_JSON_TYPES[(definition as { type: string }).type];
    if (type) types.set(field, type);
  }
  return types;
})();

/**
 * pino's own fields of a `LOG_FORMAT=json` line (the test runs' default), which the ECS formatter
 * the pods use replaces by its own (`log.level`, `@timestamp`, `service.name`, `message`,
 * `http.*`, `error.*`, `trace.id`…). Everything else a log call passed is shipped as it is, so it is
 * checked in either format.
 */
const PINO_ENVELOPE = ['level', 'time', 'pid', 'hostname', 'service', 'msg', 'req', 'res', 'err', 'trace_id', 'span_id', 'trace_flags'];

/** The fields of `line` as they reach Elasticsearch. */
function asShipped(line: Record<string, unknown>): Record<string, unknown> {
  if ('ecs.version' in line || '@timestamp' in line) return line;
  return Object.fromEntries(Object.entries(line).filter(([key]) => !PINO_ENVELOPE.includes(key)));
}

/** Calls `visit` with every field of `value` under `path`, dots in names read as nesting (as Elasticsearch does). */
function visitFields(value: unknown, path: string, visit: (field: string, type: FieldType) => void): void {
  if (value === null || value === undefined) return;
  if (Array.isArray(value)) {
    for (const element of value) visitFields(element, path, visit);
    return;
  }
  if (typeof value === 'object') {
    if (path) visit(path, 'object');
    for (const [key, child] of Object.entries(value)) visitFields(child, path ? `${path}.${key}` : key, visit);
    return;
  }
  const type = typeof value;
  if (type === 'string' || type === 'number' || type === 'boolean') visit(path, type);
}

/**
 * Every field that has two JSON types across `sources` (ndjson log text), or a type ECS does not
 * give it. Lines that are not JSON objects are skipped: the secret scan reads them.
 */
export function fieldTypeConflicts(sources: LogSource[]): FieldTypeConflict[] {
  const seen = new Map<string, Map<FieldType, string>>();
  for (const source of sources) {
    source.text.split('\n').forEach((text, index) => {
      let line: unknown;
      try {
        line = JSON.parse(text);
      } catch {
        return;
      }
      if (typeof line !== 'object' || line === null || Array.isArray(line)) return;
      visitFields(asShipped(line as Record<string, unknown>), '', (field, type) => {
        const types = seen.get(field) ?? new Map<FieldType, string>();
        if (!types.has(type)) types.set(type, `${source.name}:${index + 1}`);
        seen.set(field, types);
      });
    });
  }
  const conflicts: FieldTypeConflict[] = [];
  for (const [field, types] of seen) {
    const ecs = ecsTypes.get(field);
    const offSchema = ecs !== undefined && [...types.keys()].some((type) => type !== ecs);
    if (types.size > 1 || offSchema) {
      conflicts.push({ field, seen: [...types].map(([type, where]) => ({ type, where })), ...(offSchema && { ecs }) });
    }
  }
  return conflicts.sort((a, b) => a.field.localeCompare(b.field));
}
