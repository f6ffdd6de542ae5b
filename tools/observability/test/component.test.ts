import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KUBECTL_INSTALL } from '@myshop/release';
import { requiredTool } from '@myshop/testing';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { componentDir, dashboard, repoRoot, ruleGroups } from '../src/observability-files.ts';
import { render, renderWith, type K8sObject } from './rendered-overlay.ts';

const kubectl = requiredTool('kubectl', KUBECTL_INSTALL);
// Without kubectl, nothing rendered: the tests of the component are skipped.
const objects = kubectl.path ? renderWith('k8s/overlays/prod', ['k8s/components/observability'], 'myshop') : [];
const byKind = (kind: string) => objects.filter((object) => object.kind === kind);
const named = (kind: string, name: string) => objects.find((object) => object.kind === kind && object.metadata.name === name);
const services = ['user', 'cart', 'payment'];

interface Container {
  name: string;
  ports?: Array<{ name: string; containerPort: number }>;
  env?: Array<{ name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }>;
  envFrom?: Array<{ configMapRef?: { name: string } }>;
}
const podOf = (deployment: K8sObject) =>
  (deployment.spec as { template: { metadata: { labels: Record<string, string> }; spec: { containers: Container[] } } }).template;

describe.skipIf(!kubectl.path)(`k8s/components/observability on the prod overlay${kubectl.skipNote}`, () => {
  it.each(services)("scrapes %s: ServiceMonitor → headless metrics Service → the pods' metrics port", (service) => {
    const monitor = named('ServiceMonitor', service)!;
    const spec = monitor.spec as {
      selector: { matchLabels: Record<string, string> };
      endpoints: Array<{ port: string; path: string; honorLabels: boolean }>;
    };
    expect(monitor.metadata.labels?.release).toBe('kube-prometheus-stack');
    expect(spec.endpoints).toMatchObject([{ port: 'metrics', path: '/metrics', honorLabels: true }]);
    const selected = byKind('Service').filter((candidate) =>
      Object.entries(spec.selector.matchLabels).every(([key, value]) => candidate.metadata.labels?.[key] === value),
    );
    expect(selected.map((candidate) => candidate.metadata.name)).toEqual([`${service}-metrics`]);
    const metricsService = selected[0]!.spec as {
      clusterIP: string;
      selector: Record<string, string>;
      ports: Array<{ name: string; targetPort: string }>;
    };
    expect(metricsService.clusterIP).toBe('None');
    const deployment = named('Deployment', service)!;
    const pod = podOf(deployment);
    expect(Object.entries(metricsService.selector).every(([key, value]) => pod.metadata.labels[key] === value)).toBe(true);
    expect(pod.spec.containers[0]!.ports?.find((port) => port.name === metricsService.ports[0]!.targetPort)?.containerPort).toBe(9464);
    // The public Service still has no metrics port.
    expect(JSON.stringify(named('Service', `${service}-service`)!.spec)).not.toContain('9464');
  });

  it.each(services)(
    'switches %s to OTLP tracing through the Collector, with standard variables only, over the ECS logs of the base',
    (service) => {
      const env = podOf(named('Deployment', service)!).spec.containers[0]!.env ?? [];
      const value = (name: string) => env.find((variable) => variable.name === name);
      expect(value('OTEL_SERVICE_NAME')?.valueFrom?.fieldRef?.fieldPath).toBe("metadata.labels['app']");
      expect(podOf(named('Deployment', service)!).metadata.labels.app).toBe(service);
      expect(value('OTEL_EXPORTER_OTLP_ENDPOINT')?.value).toBe('http://otel-collector:4318');
      expect(value('OTEL_TRACES_SAMPLER')?.value).toBe('parentbased_traceidratio');
      // Fluent Bit ships to an ECS-mapped data stream with or without this component: the base logs ECS.
      const envFrom = podOf(named('Deployment', service)!).spec.containers[0]!.envFrom ?? [];
      const configMap = named('ConfigMap', envFrom.find((source) => source.configMapRef)?.configMapRef?.name ?? '');
      expect((configMap?.data as Record<string, string> | undefined)?.LOG_FORMAT).toBe('ecs');
      expect(value('LOG_FORMAT')).toBeUndefined();
    },
  );

  it('runs a Collector behind the endpoint the services use, reachable only from them', () => {
    const collector = named('Service', 'otel-collector')!;
    expect((collector.spec as { ports: Array<{ port: number }> }).ports.map((port) => port.port)).toContain(4318);
    const config = byKind('ConfigMap').find((map) => map.metadata.name.startsWith('otel-collector-config'))!;
    expect(config.data?.['config.yaml']).toContain('endpoint: 0.0.0.0:4318');
    const policy = named('NetworkPolicy', 'otel-collector')!;
    expect(JSON.stringify(policy.spec)).toContain('"values":["user","cart","payment"]');
  });

  it('scrapes the telemetry pipeline itself: the Collector and Fluent Bit through PodMonitors, under the jobs the rules name', () => {
    const fluentBit = render(join(repoRoot, 'k8s/cluster-monitoring/fluent-bit'));
    const pipeline = [
      { job: 'otel-collector', from: objects, workload: named('Deployment', 'otel-collector')! },
      { job: 'fluent-bit', from: fluentBit, workload: fluentBit.find((object) => object.kind === 'DaemonSet')! },
    ];
    const expressions = ruleGroups()
      .flatMap((group) => group.rules)
      .map((rule) => rule.expr)
      .join('\n');
    for (const { job, from, workload } of pipeline) {
      const monitor = from.find((object) => object.kind === 'PodMonitor' && object.metadata.name === job)!;
      const spec = monitor.spec as {
        selector: { matchLabels: Record<string, string> };
        jobLabel: string;
        podMetricsEndpoints: Array<{ port: string }>;
      };
      expect(monitor.metadata.labels?.release, job).toBe('kube-prometheus-stack');
      const pod = podOf(workload);
      expect(
        Object.entries(spec.selector.matchLabels).every(([key, value]) => pod.metadata.labels[key] === value),
        job,
      ).toBe(true);
      // The job label is the pod's label named by jobLabel: what the rules select on.
      expect(pod.metadata.labels[spec.jobLabel], job).toBe(job);
      expect(expressions).toContain(`job="${job}"`);
      const port = pod.spec.containers[0]!.ports?.find((candidate) => candidate.name === spec.podMetricsEndpoints[0]!.port);
      expect(port, `${job}: the port the PodMonitor names`).toBeDefined();
      if (job === 'otel-collector') {
        // The Collector serves its own metrics on that port, on every interface (its default is localhost).
        const config = byKind('ConfigMap').find((map) => map.metadata.name.startsWith('otel-collector-config'))!;
        const { service } = parse(config.data!['config.yaml']!) as {
          service: { telemetry: { metrics: { readers: Array<{ pull?: { exporter: { prometheus: { host: string; port: number } } } }> } } };
        };
        expect(service.telemetry.metrics.readers[0]!.pull!.exporter.prometheus).toEqual({ host: '0.0.0.0', port: port!.containerPort });
        // Through the namespace's default-deny: Prometheus, from its namespace, on that port.
        const ingress = (
          named('NetworkPolicy', 'otel-collector')!.spec as { ingress: Array<{ from: unknown[]; ports: Array<{ port: string }> }> }
        ).ingress;
        expect(ingress).toContainEqual({
          from: [
            {
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
              podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
            },
          ],
          ports: [{ port: 'metrics' }],
        });
      }
    }
  });

  it('provisions the dashboard as a ConfigMap the Grafana sidecar picks up, the JSON unchanged', () => {
    const map = named('ConfigMap', 'myshop-grafana-dashboard')!;
    expect(map.metadata.labels?.grafana_dashboard).toBe('1');
    expect(map.metadata.namespace).toBe('myshop');
    expect(JSON.parse(map.data!['myshop.json']!)).toEqual(dashboard());
  });

  it("ships a Fluent Bit DaemonSet that sends the shop's container logs to Elasticsearch as ECS", () => {
    const fluentBit = render(join(repoRoot, 'k8s/cluster-monitoring/fluent-bit'));
    expect(fluentBit.find((object) => object.kind === 'DaemonSet')?.metadata.namespace).toBe('logging');
    const config = fluentBit.find((object) => object.kind === 'ConfigMap')!.data!['fluent-bit.conf']!;
    expect(config).toMatch(/Path\s+\/var\/log\/containers\/\*_myshop_\*\.log/);
    expect(config).toMatch(/Name\s+es/);
    expect(config).toMatch(/Index\s+logs-myshop-default/);
    expect(config).toMatch(/Rename\s+k8s_pod_name\s+kubernetes\.pod\.name/);
  });
});

describe('the dashboard', () => {
  const board = dashboard();
  const panels = board.panels.filter((panel) => panel.type !== 'row');

  it('repeats a RED row per service: rate, errors, duration, in flight, event loop, pool, queries', () => {
    const row = board.panels.find((panel) => panel.type === 'row' && panel.repeat === 'service');
    expect(row?.title).toContain('$service');
    const titles = panels.map((panel) => panel.title);
    for (const title of [
      'Requests by route',
      '5xx by route',
      'p99 by route',
      'In flight and event-loop lag',
      'Database pool',
      'Query duration p99 by statement',
    ])
      expect(titles).toContain(title);
    expect(board.templating.list.map((variable) => variable.name)).toEqual(['datasource', 'service']);
  });

  it("leaves the kubelet's probes out of the request panels, as the rules do", () => {
    // A replica that is not ready (starting, draining, its database away) answers its kubelet 503:
    // no failed request of a client, yet counted in the 5xx ratio of every rollout, and probes
    // every few seconds per pod set the p50 of a quiet service.
    const selectors = panels.flatMap((panel) =>
      (panel.targets ?? []).flatMap((target) => [...target.expr.matchAll(/http_server_request_duration_seconds_\w+\{[^}]*\}/g)]),
    );
    expect(selectors.length).toBeGreaterThan(0);
    for (const [selector] of selectors) expect(selector).toContain('route!~"/livez|/readyz"');
  });

  it('has the business panels', () => {
    const titles = panels.map((panel) => panel.title);
    for (const title of [
      'Logins by result',
      'Checkouts by result',
      'Charges by result',
      'Amount charged per second (major units)',
      'Decline ratio (10 m)',
      'Registrations (24 h)',
      'Refund feed (cart)',
    ]) {
      expect(titles).toContain(title);
    }
  });

  it('queries the Prometheus of the datasource variable in every panel, with unique ids', () => {
    const ids = board.panels.map((panel) => (panel as unknown as { id: number }).id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of panels) {
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      expect((panel as unknown as { datasource: { uid: string } }).datasource.uid, panel.title).toBe('${datasource}');
    }
  });

  it('is kept as one file: the component generates its ConfigMap from dashboards/myshop.json', () => {
    expect(readFileSync(join(componentDir, 'kustomization.yaml'), 'utf8')).toContain('myshop.json=dashboards/myshop.json');
  });
});
