import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** One row of the reliability table; colleagues' checks write the same shape to reports/reliability/<check>.json. */
export interface Figure {
  check: string;
  load: string;
  figure: string;
  target: string;
  pass: boolean;
}

export const formatCount = (value: number): string => value.toLocaleString('en-US');
export const formatSeconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** The rows as a Markdown table: readable in a terminal, pasted as is into the README. */
export function renderTable(figures: Figure[]): string {
  const header = ['check', 'load', 'figure', 'target', 'pass'];
  const rows = figures.map((row) => [row.check, row.load, row.figure, row.target, row.pass ? 'pass' : 'FAIL'].map(escapeCell));
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) => `| ${cells.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`;
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

function escapeCell(value: string): string {
  return String(value).replaceAll('|', '\\|').replaceAll('\n', ' ');
}

/**
 * The figures other checks left in `dir` (one JSON file per check, an object or an array of
 * them). A file that is not of the shape is reported as a failing row, not skipped in silence.
 */
export function readFigureFiles(dir: string): Figure[] {
  if (!existsSync(dir)) return [];
  const figures: Figure[] = [];
  for (const file of readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()) {
    const path = join(dir, file);
    try {
      const parsed = JSON.parse(readFileSync(path, 'utf8')) as unknown;
      for (const entry of Array.isArray(parsed) ? parsed : [parsed]) {
        if (!isFigure(entry)) throw new Error('not { check, load, figure, target, pass }');
        figures.push({
          check: entry.check,
          load: String(entry.load),
          figure: String(entry.figure),
          target: String(entry.target),
          pass: entry.pass,
        });
      }
    } catch (error) {
      figures.push({ check: file, load: '-', figure: `unreadable: ${(error as Error).message}`, target: 'a figure', pass: false });
    }
  }
  return figures;
}

function isFigure(value: unknown): value is Figure {
  const entry = value as Partial<Record<keyof Figure, unknown>>;
  return (
    typeof entry === 'object' &&
    entry !== null &&
    typeof entry.check === 'string' &&
    ['string', 'number'].includes(typeof entry.load) &&
    ['string', 'number'].includes(typeof entry.figure) &&
    ['string', 'number'].includes(typeof entry.target) &&
    typeof entry.pass === 'boolean'
  );
}

export function writeFigures(path: string, figures: Figure[], extra: Record<string, unknown> = {}): void {
  mkdirSync(dirname(path), { recursive: true });
  const passed = figures.every((figure) => figure.pass);
  writeFileSync(path, `${JSON.stringify({ generatedAt: new Date().toISOString(), passed, ...extra, figures }, null, 2)}\n`);
}
