import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** A program some tests run, found (or not) on this machine. */
export interface RequiredTool {
  name: string;
  /** Absolute path of the program; undefined when it is missing. */
  path: string | undefined;
  /** The one line that installs it. */
  install: string;
  /**
   * Appended to the names of the tests that need it: empty when it is here, otherwise
   * ` (skipped: <name> missing; install: <install>)`, so a skipped test says why and how to fix it
   * (.ci/summarize-tests.mjs prints these names, and fails CI on them).
   */
  skipNote: string;
}

/**
 * Looks for `name` on PATH, then in the sbin directories a non-root PATH may lack (Debian puts
 * nginx in /usr/sbin). Use with `it.skipIf(!tool.path)(`…${tool.skipNote}`)`.
 */
export function requiredTool(name: string, install: string, env: NodeJS.ProcessEnv = process.env): RequiredTool {
  const dirs = [...(env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  const path = dirs.map((dir) => join(dir, name)).find(isExecutable);
  return { name, path, install, skipNote: path ? '' : ` (skipped: ${name} missing; install: ${install})` };
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
