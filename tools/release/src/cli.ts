/**
 * Runs a command's body, awaited if it awaits (builds, processes), and turns what it throws into
 * one line on stderr and exit code 1: the messages name the mistake and the fix, a stack trace
 * would only bury them.
 */
export async function runCommand(name: string, body: () => void | Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    process.stderr.write(`${name}: ${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}
