import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../../..');

/** Where every log line of a project's test run is kept: `reports/logs/<project>.ndjson`. */
export const runLogDir = resolve(root, 'reports/logs');

/** The environment variable naming the current project's run log (set by `projectTestConfig`). */
export const RUN_LOG_VARIABLE = 'MYSHOP_RUN_LOG';

export function runLogFile(project: string): string {
  return resolve(runLogDir, `${project}.ndjson`);
}

let descriptor: number | undefined;
let openedFor: string | undefined;

/**
 * Appends what a service under test logged to the run log, so that a final check can scan the
 * whole run for passwords, tokens and card data. Synchronous and append-only: lines of parallel
 * test files interleave whole, and nothing is lost when a worker exits.
 */
export function appendToRunLog(text: string): void {
  const file = process.env[RUN_LOG_VARIABLE];
  if (!file || text.length === 0) return;
  if (openedFor !== file) {
    if (descriptor !== undefined) closeSync(descriptor);
    mkdirSync(dirname(file), { recursive: true });
    descriptor = openSync(file, 'a');
    openedFor = file;
  }
  writeSync(descriptor!, text.endsWith('\n') ? text : `${text}\n`);
}
