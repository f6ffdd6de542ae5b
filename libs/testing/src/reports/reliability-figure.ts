import { mkdirSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { expect } from 'vitest';

/** One row of `npm run reliability`'s table, written by the test that measured it. */
export interface ReliabilityFigure {
  check: string;
  load: string;
  figure: string;
  target: string;
  pass: boolean;
}

const root = resolve(import.meta.dirname, '../../../..');
/** Where the figures of a test run land, one JSON file per check. */
export const reliabilityDir = resolve(root, 'reports/reliability');

/** `fuzz POST /cart/items` → `fuzz-post-cart-items`. */
export function figureFileName(check: string): string {
  return `${check.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')}.json`;
}

/**
 * Writes `reports/reliability/<check>.json`, replacing the figure of an earlier run, with the
 * test file that wrote it and when: `npm run reliability` counts a figure only if that file's
 * last run (its vitest report) passed and came before the figure, so a failing or skipped test
 * cannot leave an earlier run's pass behind.
 */
export function writeReliabilityFigure(figure: ReliabilityFigure): string {
  mkdirSync(reliabilityDir, { recursive: true });
  const file = resolve(reliabilityDir, figureFileName(figure.check));
  const testPath = expect.getState().testPath;
  const provenance = { writtenBy: testPath ? relative(root, testPath) : undefined, writtenAt: new Date().toISOString() };
  writeFileSync(file, `${JSON.stringify({ ...figure, ...provenance }, null, 2)}\n`);
  return file;
}
