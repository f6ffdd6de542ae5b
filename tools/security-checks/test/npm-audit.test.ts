import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it, onTestFinished } from 'vitest';
import { AuditUnavailableError, parseAuditReport, runNpmAudit } from '../src/npm-audit.ts';
import { repoRoot } from '../src/repo.ts';

const report = (vulnerabilities: Record<string, number>, entries: Record<string, unknown> = {}) =>
  JSON.stringify({
    auditReportVersion: 2,
    vulnerabilities: entries,
    metadata: { vulnerabilities, dependencies: { prod: 120, dev: 300, total: 420 } },
  });

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
      report(
        { high: 1, critical: 1 },
        {
          undici: { severity: 'high', via: [{ title: 'Unbounded decompression' }] },
          'fast-json': { severity: 'critical', via: ['undici'] },
          debug: { severity: 'low', via: [{ title: 'ReDoS' }] },
        },
      ),
    );
    expect(summary.serious).toEqual(['undici (high): Unbounded decompression', 'fast-json (critical): via undici']);
  });

  it('treats an endpoint that answers with an error as no report at all, never as a pass', () => {
    const refused = JSON.stringify({
      message: '405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk',
      statusCode: 405,
      error: { summary: '', detail: '' },
    });
    expect(() => parseAuditReport(refused)).toThrow(AuditUnavailableError);
    expect(() => parseAuditReport(refused)).toThrow(/405 Method Not Allowed/);
    expect(() => parseAuditReport('npm error network ENOTFOUND')).toThrow(AuditUnavailableError);
    expect(() => parseAuditReport('{}')).toThrow(/no vulnerability metadata/);
  });
});

/**
 * npm audit end to end against a local advisory endpoint: the real npm, the real lock file, the
 * advisories ours. (The public endpoint is checked by `npm run security:audit` in GitHub CI:
 * this machine's registry mirror refuses its POST.)
 */
describe('npm audit --omit=dev, against an advisory endpoint of our own', () => {
  async function advisoryEndpoint(advisories: Record<string, unknown[]>) {
    const asked: string[][] = [];
    const server = createServer(async (request, response) => {
      if (request.method === 'POST' && request.url?.endsWith('/-/npm/v1/security/advisories/bulk')) {
        const chunks: Buffer[] = [];
        for await (const chunk of request) chunks.push(chunk as Buffer);
        const raw = Buffer.concat(chunks);
        const body = JSON.parse((request.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString()) as Record<
          string,
          string[]
        >;
        asked.push(Object.keys(body));
        response.setHeader('content-type', 'application/json');
        response.end(JSON.stringify(Object.fromEntries(Object.entries(advisories).filter(([name]) => name in body))));
        return;
      }
      // Anything else (a packument npm wants to weigh a fix) comes from the lock file's versions.
      const name = decodeURIComponent(request.url!.slice(1));
      const installed = installedVersion(name);
      if (!installed) return void response.writeHead(404).end('{}');
      response.setHeader('content-type', 'application/json');
      response.end(
        JSON.stringify({
          name,
          'dist-tags': { latest: installed },
          versions: { [installed]: { name, version: installed, dist: { tarball: 'http://127.0.0.1/none.tgz' } } },
        }),
      );
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    onTestFinished(() => void server.close());
    return { registry: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, asked };
  }

  it('finds nothing when there is nothing, and leaves out what only builds or tests the services', { timeout: 120_000 }, async () => {
    const endpoint = await advisoryEndpoint({
      vitest: [
        {
          id: 2,
          url: 'https://example.com/dev-only',
          title: 'A test runner flaw',
          severity: 'critical',
          vulnerable_versions: `<=${installedVersion('vitest')}`,
          cwe: [],
          cvss: { score: 9 },
        },
      ],
    });
    const summary = await runNpmAudit({ registry: endpoint.registry });
    expect(summary.serious).toEqual([]);
    expect(summary.vulnerabilities.high + summary.vulnerabilities.critical).toBe(0);
    expect(summary.dependencies).toBeGreaterThan(50);
    expect(endpoint.asked.flat()).toEqual(expect.arrayContaining(['fastify', 'pg', 'jose', 'undici']));
  });

  it('names a high advisory in a production dependency', { timeout: 120_000 }, async () => {
    const version = installedVersion('undici')!;
    const endpoint = await advisoryEndpoint({
      undici: [
        {
          id: 1,
          url: 'https://example.com/advisory',
          title: 'Unbounded decompression',
          severity: 'high',
          vulnerable_versions: `<=${version}`,
          cwe: [],
          cvss: { score: 7.5 },
        },
      ],
    });
    const summary = await runNpmAudit({ registry: endpoint.registry });
    expect(summary.vulnerabilities.high).toBeGreaterThanOrEqual(1);
    expect(summary.serious).toContainEqual(expect.stringMatching(/^undici \(high\): .*Unbounded decompression/));
  });
});

function installedVersion(name: string): string | undefined {
  const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string }> };
  return lock.packages[`node_modules/${name}`]?.version;
}
