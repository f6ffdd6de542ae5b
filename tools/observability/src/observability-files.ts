import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

export const repoRoot = resolve(import.meta.dirname, '../../..');
export const componentDir = join(repoRoot, 'k8s/components/observability');

export interface Rule {
  record?: string;
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
export interface RuleGroup {
  name: string;
  rules: Rule[];
}

/** The rule groups of the component's PrometheusRule: its spec is a Prometheus rule file. */
export function ruleGroups(): RuleGroup[] {
  const manifest = parse(readFileSync(join(componentDir, 'prometheusrule.yaml'), 'utf8')) as { spec: { groups: RuleGroup[] } };
  return manifest.spec.groups;
}

export interface DashboardPanel {
  type: string;
  title: string;
  repeat?: string;
  targets?: Array<{ expr: string; refId: string }>;
}

export function dashboard(): {
  uid: string;
  title: string;
  panels: DashboardPanel[];
  templating: { list: Array<{ name: string; query?: unknown }> };
} {
  return JSON.parse(readFileSync(join(componentDir, 'dashboards/myshop.json'), 'utf8')) as ReturnType<typeof dashboard>;
}

/** Every PromQL expression of the rules and the dashboard (its template queries excluded), with where it is. */
export function allExpressions(): Array<{ where: string; expr: string }> {
  const fromRules = ruleGroups().flatMap((group) =>
    group.rules.map((rule) => ({ where: `rule ${rule.record ?? rule.alert}`, expr: rule.expr })),
  );
  const fromDashboard = dashboard().panels.flatMap((panel) =>
    (panel.targets ?? []).map((target) => ({ where: `panel "${panel.title}" ${target.refId}`, expr: target.expr })),
  );
  return [...fromRules, ...fromDashboard];
}

/** Where the telemetry pipeline's own series come from (scraped through their PodMonitors). */
const FLUENT_BIT = 'Fluent Bit (k8s/cluster-monitoring/fluent-bit), its HTTP server';
const COLLECTOR = 'the OpenTelemetry Collector (otel-collector.yaml), its own telemetry';

/**
 * Series that the services do not export and Prometheus has anyway: `up` (Prometheus' own, per
 * target), kube-state-metrics' pod status (installed by kube-prometheus-stack), and what the
 * telemetry pipeline says of itself (Fluent Bit's and the Collector's own metrics, scraped
 * through their PodMonitors).
 */
export const EXTERNAL_METRICS: Record<string, string> = {
  up: 'Prometheus, for every scrape target',
  kube_pod_status_ready: 'kube-state-metrics (kube-prometheus-stack)',
  kube_pod_status_phase: 'kube-state-metrics (kube-prometheus-stack)',
  fluentbit_output_errors_total: FLUENT_BIT,
  fluentbit_output_proc_records_total: FLUENT_BIT,
  fluentbit_output_dropped_records_total: FLUENT_BIT,
  fluentbit_output_retries_failed_total: FLUENT_BIT,
  otelcol_receiver_refused_spans_total: COLLECTOR,
  otelcol_exporter_send_failed_spans_total: COLLECTOR,
  otelcol_exporter_enqueue_failed_spans_total: COLLECTOR,
};
