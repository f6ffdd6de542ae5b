/**
 * Runs a command's body, and turns what it throws into one line on stderr and exit code 1: the
 * messages name the mistake and the fix, a stack trace would only bury them.
 */
export function runCommand(name: string, body: () => void): void {
  try {
    body();
  } catch (error) {
    process.stderr.write(`${name}: ${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}
