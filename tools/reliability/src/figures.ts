import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

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

/** A figure a test wrote (@myshop/testing's writeReliabilityFigure): which test file, and when. */
export interface TestFigure extends Figure {
  writtenBy?: string;
  writtenAt?: string;
}

/** The last run of one test file, as its project's vitest JSON report gives it. */
export interface TestFileRun {
  status: string;
  startTime: number;
}

/**
 * The figures other checks left in `dir` (one JSON file per check, an object or an array of
 * them). A file that is not of the shape is reported as a failing row, not skipped in silence.
 */
export function readFigureFiles(dir: string): TestFigure[] {
  if (!existsSync(dir)) return [];
  const figures: TestFigure[] = [];
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
          ...(typeof entry.writtenBy === 'string' && { writtenBy: entry.writtenBy }),
          ...(typeof entry.writtenAt === 'string' && { writtenAt: entry.writtenAt }),
        });
      }
    } catch (error) {
      figures.push({ check: file, load: '-', figure: `unreadable: ${(error as Error).message}`, target: 'a figure', pass: false });
    }
  }
  return figures;
}

function isFigure(value: unknown): value is TestFigure {
  const entry = value as Partial<Record<keyof TestFigure, unknown>>;
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

/**
 * The last run of every test file, keyed by its path from `root`: the JSON reports vitest writes
 * for each project (`reports/vitest/<project>.json`, which Nx restores with a cached run).
 */
export function readTestRuns(reportsDir: string, root: string): Map<string, TestFileRun> {
  const runs = new Map<string, TestFileRun>();
  if (!existsSync(reportsDir)) return runs;
  for (const file of readdirSync(reportsDir).filter((name) => name.endsWith('.json'))) {
    try {
      const report = JSON.parse(readFileSync(join(reportsDir, file), 'utf8')) as {
        testResults?: Array<{ name: string; status: string; startTime: number }>;
      };
      for (const { name, status, startTime } of report.testResults ?? []) runs.set(relative(root, name), { status, startTime });
    } catch {
      // A report being written, or not vitest's: its files count as not run.
    }
  }
  return runs;
}

/**
 * `figure` as it stands, or a failing row saying why it cannot be trusted: a figure counts only
 * if the last run of the test file that wrote it passed, and wrote it (a failing test writes no
 * figure, so the file holds an earlier run's, which may say pass).
 */
export function vouchedByLastTestRun(figure: TestFigure, runs: ReadonlyMap<string, TestFileRun>): Figure {
  const { writtenBy, writtenAt, ...row } = figure;
  const distrust = (why: string): Figure => ({ ...row, figure: `${why}; the figure it left: ${row.figure}`, pass: false });
  if (!writtenBy || !writtenAt) return distrust('written by no known test file');
  const run = runs.get(writtenBy);
  if (!run) return distrust(`${writtenBy} is in no test report: run npm test`);
  if (run.status !== 'passed') return distrust(`${writtenBy} did not pass in the last test run`);
  if (Date.parse(writtenAt) < run.startTime) return distrust(`${writtenBy} did not write it in the last test run`);
  return row;
}
