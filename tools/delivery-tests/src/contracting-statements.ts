/**
 * Statements of a migration that take from the schema what the previous release may still use
 * while a rolling update runs both: a table or column dropped or renamed, a column's type changed,
 * a column made required (set NOT NULL, or added NOT NULL with no default its inserts would get).
 */
const CONTRACTING: Array<[name: string, pattern: RegExp]> = [
  ['drops a table', /\bDROP\s+TABLE\b/i],
  ['drops a column', /\bDROP\s+COLUMN\b/i],
  ['renames', /\bRENAME\b/i],
  ['changes a column type', /\bALTER\s+COLUMN\s+\S+\s+(?:SET\s+DATA\s+)?TYPE\b/i],
  ['makes a column required', /\bSET\s+NOT\s+NULL\b/i],
];
const ADDED_REQUIRED = /\bADD\s+COLUMN\s+(?:IF\s+NOT\s+EXISTS\s+)?\S+\s[^,;]*\bNOT\s+NULL\b(?![^,;]*\bDEFAULT\b)/i;

/** The up half of a migration file (node-pg-migrate's `-- Down Migration` marker, or a TS file's `down` export, ends it), comments out. */
export function upHalf(source: string): string {
  const end = source.search(/^--\s*Down Migration|^export\s+(?:async\s+)?function\s+down\b/im);
  const up = end === -1 ? source : source.slice(0, end);
  return up.replace(/--[^\n]*|\/\*[\s\S]*?\*\/|^\s*\/\/[^\n]*/gm, '');
}

/** What each contracting statement of the up half does, in the order found (none: it only expands). */
export function contractingStatements(source: string): string[] {
  const up = upHalf(source);
  const found = CONTRACTING.filter(([, pattern]) => pattern.test(up)).map(([name]) => name);
  if (ADDED_REQUIRED.test(up)) found.push('adds a required column with no default');
  return found;
}
