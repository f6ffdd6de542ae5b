/**
 * Vitest global setup of every project: starts the project's run log afresh, so that it holds
 * the lines of this run only (a cached Nx run restores the file of the run it replays).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { RUN_LOG_VARIABLE } from './run-log.ts';

export default function setup(): void {
  const file = process.env[RUN_LOG_VARIABLE];
  if (!file) return;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, '');
}
