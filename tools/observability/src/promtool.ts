import { execFileSync } from 'node:child_process';

const MISSING =
  'promtool is required to check the alerting and recording rules, and was not found on PATH. ' +
  "Install Prometheus' tools: `apt-get install -y prometheus` (Debian; .ci/run does it), or a Prometheus release's promtool.";

/**
 * Runs promtool, with `input` on its stdin if given (`check metrics` reads a scrape there); fails
 * with one clear message when it is missing (tests check first and skip by name).
 */
export function promtool(args: string[], cwd: string, input?: string): string {
  try {
    return execFileSync('promtool', args, {
      cwd,
      encoding: 'utf8',
      input,
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(MISSING);
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`promtool ${args.join(' ')} failed:\n${stdout ?? ''}${stderr ?? ''}`);
  }
}
