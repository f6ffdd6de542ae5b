import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

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

/** Writes `reports/reliability/<check>.json`, replacing the figure of an earlier run. */
export function writeReliabilityFigure(figure: ReliabilityFigure): string {
  mkdirSync(reliabilityDir, { recursive: true });
  const file = resolve(reliabilityDir, figureFileName(figure.check));
  writeFileSync(file, `${JSON.stringify(figure, null, 2)}\n`);
  return file;
}
