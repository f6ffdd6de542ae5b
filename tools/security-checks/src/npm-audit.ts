/**
 * `npm audit --omit=dev`: the advisories of what the images ship. A report that cannot be had
 * (no registry, an endpoint refusing the request) is an error, never a pass.
 */
import { spawnSync } from 'node:child_process';
import { repoRoot } from './repo.ts';

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

/** Reads npm's JSON report; throws AuditUnavailableError when it is an error instead of a report. */
export function parseAuditReport(stdout: string): AuditSummary {
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
  const counts = report.metadata.vulnerabilities;
  const vulnerabilities = { info: 0, low: 0, moderate: 0, high: 0, critical: 0, ...counts } as Record<Severity, number>;
  const serious = Object.entries(report.vulnerabilities ?? {})
    .filter(([, entry]) => entry.severity === 'high' || entry.severity === 'critical')
    .map(([name, entry]) => {
      const titles = entry.via.map((via) => (typeof via === 'string' ? `via ${via}` : (via.title ?? via.url ?? 'advisory')));
      return `${name} (${entry.severity}): ${titles.join('; ')}`;
    });
  return { dependencies: report.metadata.dependencies?.prod ?? report.metadata.dependencies?.total ?? 0, vulnerabilities, serious };
}

/** Runs the audit of production dependencies against the registry configured for npm. */
export function runNpmAudit(cwd = repoRoot): AuditSummary {
  const npm = process.env.npm_execpath && process.env.npm_execpath.endsWith('.js') ? [process.execPath, process.env.npm_execpath] : ['npm'];
  const result = spawnSync(npm[0]!, [...npm.slice(1), 'audit', '--omit=dev', '--json'], { cwd, encoding: 'utf8', timeout: 120_000 });
  if (result.error) throw new AuditUnavailableError(`npm audit could not run: ${result.error.message}`);
  // npm exits 1 both when it finds vulnerabilities and when the endpoint fails: the report tells which.
  try {
    return parseAuditReport(result.stdout);
  } catch (error) {
    if (error instanceof AuditUnavailableError) error.message += `\n${result.stderr.trim()}`;
    throw error;
  }
}
