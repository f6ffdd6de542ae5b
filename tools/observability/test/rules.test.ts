import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { describe, expect, it, onTestFinished } from 'vitest';
import { componentDir, repoRoot, ruleGroups } from '../src/observability-files.ts';
import { promtool } from '../src/promtool.ts';
import { markdownSection, requiredTool } from '@myshop/testing';

// A fresh machine may lack promtool: those tests then say so by name (CI installs it, and fails
// on any skipped test).
const promtoolBinary = requiredTool('promtool', 'apt-get install -y prometheus');

/** The PrometheusRule's spec as the rule file promtool reads, beside a copy of the unit tests. */
function ruleFiles(): string {
  const dir = mkdtempSync(join(tmpdir(), 'myshop-rules-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'rules.yaml'), stringify({ groups: ruleGroups() }));
  copyFileSync(join(componentDir, 'rules-test.yaml'), join(dir, 'rules-test.yaml'));
  return dir;
}

describe('the PrometheusRule myshop', () => {
  it.skipIf(!promtoolBinary.path)(`is a valid rule file (promtool check rules)${promtoolBinary.skipNote}`, () => {
    expect(promtool(['check', 'rules', 'rules.yaml'], ruleFiles())).toContain('SUCCESS: 19 rules found');
  });

  it.skipIf(!promtoolBinary.path)(
    `passes its unit tests: each alert fires when it should and stays quiet when it should (promtool test rules)${promtoolBinary.skipNote}`,
    () => {
      expect(promtool(['test', 'rules', 'rules-test.yaml'], ruleFiles())).toContain('SUCCESS');
    },
  );

  it('has the alerts operators need, each with a severity, a summary and a runbook line', () => {
    const alerts = ruleGroups()
      .flatMap((group) => group.rules)
      .filter((rule) => rule.alert);
    expect(alerts.map((alert) => alert.alert).sort()).toEqual([
      'MyshopCheckoutsPaymentUnavailable',
      'MyshopHighErrorRatio',
      'MyshopHighLatencyP99',
      'MyshopLogShippingFailing',
      'MyshopLogsDropped',
      'MyshopNoScrapeTargets',
      'MyshopPaymentDeclineSpike',
      'MyshopPodsNotReady',
      'MyshopRefundFeedFailing',
      'MyshopScrapeFailing',
      'MyshopTracesDropped',
      'MyshopTracesRefused',
    ]);
    for (const alert of alerts) {
      expect(alert.labels?.severity, alert.alert).toMatch(/^(warning|critical)$/);
      expect(alert.annotations?.summary, alert.alert).toBeTruthy();
      expect(alert.annotations?.runbook?.length ?? 0, alert.alert).toBeGreaterThan(40);
      expect(alert.for, alert.alert).toMatch(/^\d+m$/);
    }
  });

  it('gives runbook commands an operator can paste: valid shell, with the namespace to look in', () => {
    const commands = ruleGroups()
      .flatMap((group) => group.rules)
      .flatMap((rule) => (rule.annotations?.runbook?.startsWith('kubectl ') ? [rule.annotations.runbook.split(';')[0]!] : []))
      // As Alertmanager fills the templates: each label a single word.
      .map((command) => command.replaceAll(/\{\{ \$labels\.(\w+) \}\}/g, 'the-$1'));
    expect(commands.length).toBeGreaterThan(0);
    for (const command of commands) {
      const parsed = spawnSync('bash', ['-n', '-c', command], { encoding: 'utf8' });
      expect(parsed.stderr, command).toBe('');
      expect(command, 'kubectl -n <namespace>, or -A').toMatch(/ (-n \S+|-A)( |$)/);
    }
  });

  it('tests every alert in rules-test.yaml', () => {
    const tests = readFileSync(join(componentDir, 'rules-test.yaml'), 'utf8');
    for (const alert of ruleGroups()
      .flatMap((group) => group.rules)
      .filter((rule) => rule.alert)) {
      expect(tests, alert.alert).toContain(`alertname: ${alert.alert}`);
    }
  });

  describe('as the docs name it', () => {
    const alerts = ruleGroups()
      .flatMap((group) => group.rules)
      .flatMap((rule) => (rule.alert ? [rule.alert] : []))
      .sort();
    const read = (page: string) => readFileSync(join(repoRoot, page), 'utf8');
    /** The alert-like names (`Myshop…` in backticks) of some text, each once, sorted. */
    const named = (text: string) => [...new Set([...text.matchAll(/`(Myshop[A-Za-z0-9]+)`/g)].map((match) => match[1]!))].sort();

    // The pages an operator reads for the list of alerts: each lists every one.
    it.each(['docs/observability.md', 'k8s/components/observability/README.md'])('%s lists every alert and no other', (page) => {
      expect(named(read(page))).toEqual(alerts);
    });

    it('k8s/cluster-monitoring/README.md has a runbook entry for every alert and for no other', () => {
      const runbooks = markdownSection(read('k8s/cluster-monitoring/README.md'), 'Runbooks') ?? '';
      const entries = [...runbooks.matchAll(/^- `(Myshop[A-Za-z0-9]+)`:/gm)].map((match) => match[1]!).sort();
      expect(entries).toEqual(alerts);
    });

    it.each(['apps/user/README.md', 'apps/cart/README.md', 'apps/payment/README.md', 'k8s/cluster-monitoring/README.md'])(
      '%s names only alerts that exist',
      (page) => {
        expect(named(read(page)).filter((name) => !alerts.includes(name))).toEqual([]);
      },
    );
  });
});
