/**
 * `npm audit --omit=dev`: the advisories of what the images ship. A report that cannot be had
 * (no registry, an endpoint refusing the request) is an error, never a pass.
 */
import { execFile } from 'node:child_process';
import { repoRoot } from './repo.ts';

/** What the images ship. */
export const SERVICES = ['user', 'cart', 'payment'] as const;

export type Severity = 'info' | 'low' | 'moderate' | 'high' | 'critical';

export interface AuditSummary {
  /** Production dependencies audited (npm's count). */
  dependencies: number;
  vulnerabilities: Record<Severity, number>;
  /** `name (severity): title` of every high or critical advisory. */
  serious: string[];
}

export class AuditUnavailableError extends Error {
  override name = 'AuditUnavailableError';
}

interface AuditJson {
  error?: { summary?: string; detail?: string; code?: string };
  message?: string;
  statusCode?: number;
  metadata?: { vulnerabilities?: Partial<Record<Severity, number>>; dependencies?: { prod?: number; total?: number } };
  vulnerabilities?: Record<string, { severity: Severity; via: Array<string | { title?: string; url?: string }> }>;
}

/**
 * Reads npm's JSON report; throws AuditUnavailableError when it is an error instead of a report.
 * With `scope`, only advisories of those packages count (and are counted again from the entries).
 */
export function parseAuditReport(stdout: string, scope?: ReadonlySet<string>): AuditSummary {
  let report: AuditJson;
  try {
    report = JSON.parse(stdout) as AuditJson;
  } catch {
    throw new AuditUnavailableError(`npm audit printed no JSON report: ${stdout.slice(0, 300) || '(nothing)'}`);
  }
  if (report.error || report.statusCode || !report.metadata?.vulnerabilities) {
    const reason = report.message ?? report.error?.summary ?? report.error?.code ?? 'no vulnerability metadata';
    throw new AuditUnavailableError(`the npm audit endpoint gave no report: ${reason}`);
  }
  const entries = Object.entries(report.vulnerabilities ?? {}).filter(([name]) => !scope || scope.has(name));
  const vulnerabilities = scope
    ? countBySeverity(entries.map(([, entry]) => entry.severity))
    : ({ info: 0, low: 0, moderate: 0, high: 0, critical: 0, ...report.metadata.vulnerabilities } as Record<Severity, number>);
  const serious = entries
    .filter(([, entry]) => entry.severity === 'high' || entry.severity === 'critical')
    .map(([name, entry]) => {
      const titles = entry.via.map((via) => (typeof via === 'string' ? `via ${via}` : (via.title ?? via.url ?? 'advisory')));
      return `${name} (${entry.severity}): ${titles.join('; ')}`;
    });
  const dependencies = scope?.size ?? report.metadata.dependencies?.prod ?? report.metadata.dependencies?.total ?? 0;
  return { dependencies, vulnerabilities, serious };
}

function countBySeverity(severities: Severity[]): Record<Severity, number> {
  const counts: Record<Severity, number> = { info: 0, low: 0, moderate: 0, high: 0, critical: 0 };
  for (const severity of severities) counts[severity] += 1;
  return counts;
}

/**
 * Runs the audit of what the services ship against the registry npm is configured with, or
 * `registry` when given (the tests answer with advisories of their own from a local one).
 *
 * From the root of a workspace, npm counts every workspace's dependencies as production, test
 * helpers and tools included, and `--workspace` does not narrow the audit. So the advisories are
 * kept to the packages of the services' production trees, as `npm ls --omit=dev` resolves them.
 */
export async function runNpmAudit(options: { cwd?: string; registry?: string } = {}): Promise<AuditSummary> {
  const cwd = options.cwd ?? repoRoot;
  const workspaces = SERVICES.map((service) => `--workspace=apps/${service}`);
  const tree = await runNpm(['ls', '--omit=dev', '--all', '--json', ...workspaces], cwd);
  const scope = packageNames(tree.stdout);
  // npm exits 1 both when it finds vulnerabilities and when the endpoint fails: the report tells which.
  const audit = await runNpm(['audit', '--omit=dev', '--json', ...(options.registry ? [`--registry=${options.registry}`] : [])], cwd);
  try {
    return parseAuditReport(audit.stdout, scope);
  } catch (failure) {
    if (failure instanceof AuditUnavailableError) failure.message += `\n${audit.stderr.trim()}`;
    throw failure;
  }
}

interface LsNode {
  dependencies?: Record<string, LsNode>;
}

/** Every package name in `npm ls --json` output. */
export function packageNames(stdout: string): Set<string> {
  const names = new Set<string>();
  const walk = (dependencies: Record<string, LsNode> = {}) => {
    for (const [name, node] of Object.entries(dependencies)) {
      names.add(name);
      walk(node.dependencies);
    }
  };
  walk((JSON.parse(stdout) as LsNode).dependencies);
  if (names.size === 0) throw new AuditUnavailableError('npm ls found no production dependency of the services');
  return names;
}

function runNpm(args: string[], cwd: string): Promise<{ stdout: string; stderr: string }> {
  const npm = process.env.npm_execpath?.endsWith('.js') ? [process.execPath, process.env.npm_execpath] : ['npm'];
  return new Promise((resolve, reject) => {
    execFile(
      npm[0]!,
      [...npm.slice(1), ...args],
      { cwd, encoding: 'utf8', timeout: 120_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error && !stdout) reject(new AuditUnavailableError(`npm ${args[0]} could not run: ${error.message}`));
        else resolve({ stdout, stderr });
      },
    );
  });
}
