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

/** runCommand for a command that awaits (builds, processes): the same one line and exit code 1. */
export async function runAsyncCommand(name: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    process.stderr.write(`${name}: ${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}
