import { writeReliabilityFigure } from '@myshop/testing';
import { describe, expect, it } from 'vitest';
import { AuditUnavailableError, parseAuditReport, runNpmAudit } from '../src/npm-audit.ts';

const report = (vulnerabilities: Record<string, number>, entries: Record<string, unknown> = {}) =>
  JSON.stringify({ auditReportVersion: 2, vulnerabilities: entries, metadata: { vulnerabilities, dependencies: { prod: 120, dev: 300, total: 420 } } });

describe('reading npm audit', () => {
  it('counts advisories by severity', () => {
    expect(parseAuditReport(report({ info: 0, low: 1, moderate: 2, high: 0, critical: 0, total: 3 }))).toEqual({
      dependencies: 120,
      vulnerabilities: { info: 0, low: 1, moderate: 2, high: 0, critical: 0, total: 3 },
      serious: [],
    });
  });

  it('names every high or critical advisory', () => {
    const summary = parseAuditReport(
      report({ high: 1, critical: 1 }, {
        undici: { severity: 'high', via: [{ title: 'Unbounded decompression' }] },
        'fast-json': { severity: 'critical', via: ['undici'] },
        debug: { severity: 'low', via: [{ title: 'ReDoS' }] },
      }),
    );
    expect(summary.serious).toEqual(['undici (high): Unbounded decompression', 'fast-json (critical): via undici']);
  });

  it('treats an endpoint that answers with an error as no report at all, never as a pass', () => {
    const refused = JSON.stringify({ message: '405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk', statusCode: 405, error: { summary: '', detail: '' } });
    expect(() => parseAuditReport(refused)).toThrow(AuditUnavailableError);
    expect(() => parseAuditReport(refused)).toThrow(/405 Method Not Allowed/);
    expect(() => parseAuditReport('npm error network ENOTFOUND')).toThrow(AuditUnavailableError);
    expect(() => parseAuditReport('{}')).toThrow(/no vulnerability metadata/);
  });
});

describe('npm audit --omit=dev', () => {
  it('finds no high or critical advisory in the production dependencies', { timeout: 180_000 }, () => {
    let summary;
    try {
      summary = runNpmAudit();
    } catch (error) {
      writeReliabilityFigure({ check: 'npm audit --omit=dev', load: 'production dependencies', figure: `no report: ${(error as Error).message.split('\n')[0]}`, target: '0 high, 0 critical', pass: false });
      throw error;
    }
    const { high, critical } = summary.vulnerabilities;
    writeReliabilityFigure({
      check: 'npm audit --omit=dev',
      load: `${summary.dependencies} production dependencies`,
      figure: `${high} high, ${critical} critical (${summary.vulnerabilities.moderate} moderate, ${summary.vulnerabilities.low} low)`,
      target: '0 high, 0 critical',
      pass: high === 0 && critical === 0,
    });
    expect(summary.serious).toEqual([]);
    expect(summary.dependencies).toBeGreaterThan(0);
  });
});
