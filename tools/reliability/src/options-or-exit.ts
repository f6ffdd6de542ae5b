/**
 * A command's options as `parse` reads them, or, for an option it does not know or a value it
 * lacks, one line naming it and exit 2: a mistyped option is the user's to fix, never a stack trace
 * (and never exit 1, which the checks keep for a figure that misses).
 */
export function optionsOrExit<T>(command: string, hint: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    process.stderr.write(`${command}: ${(error as Error).message} (${hint})\n`);
    return process.exit(2);
  }
}
