/**
 * The per-service rows of the dashboard show the shop's own scrapes only. Prometheus Operator
 * labels every target with `service` (its Kubernetes Service's name), and OpenTelemetry's
 * Prometheus exporter names HTTP metrics as ours are named: another team's Service called `cart`
 * or `user` would otherwise put its routes, errors and latency in our panels. Each query of those
 * rows runs in promtool against that other team's series alone, and must find nothing.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requiredTool } from '@myshop/testing';
import { stringify } from 'yaml';
import { describe, expect, it, onTestFinished } from 'vitest';
import { dashboard } from '../src/observability-files.ts';
import { metricNames } from '../src/promql.ts';
import { promtool } from '../src/promtool.ts';

const promtoolBinary = requiredTool('promtool', 'apt-get install -y prometheus');

/** The panels of the row repeated per service: from that row to the next one. */
function perServicePanels() {
  const { panels } = dashboard();
  const start = panels.findIndex((panel) => panel.type === 'row' && panel.repeat === 'service');
  const end = panels.findIndex((panel, index) => index > start && panel.type === 'row');
  return panels.slice(start + 1, end === -1 ? undefined : end);
}

/** A query as Grafana sends it for the row of service `cart`. */
const forCart = (expr: string) => expr.replaceAll('$__rate_interval', '1m').replaceAll('$service', 'cart');

describe('the dashboard rows per service', () => {
  const queries = perServicePanels().flatMap((panel) =>
    (panel.targets ?? []).map((target) => ({ where: `${panel.title} ${target.refId}`, expr: forCart(target.expr) })),
  );

  it('has queries to check', () => {
    expect(queries.length).toBeGreaterThan(10);
  });

  it.skipIf(!promtoolBinary.path)(`show nothing of another job whose series say service="cart"${promtoolBinary.skipNote}`, () => {
    const names = [...new Set(queries.flatMap(({ expr }) => metricNames(expr)))];
    const foreign =
      '{job="billing-metrics",namespace="billing",pod="billing-0",service="cart",method="GET",route="/invoices",status_code="500",le="+Inf",state="idle",operation="SELECT",outcome="error"}';
    const dir = mkdtempSync(join(tmpdir(), 'myshop-dashboard-scope-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'rules.yaml'), stringify({ groups: [] }));
    writeFileSync(
      join(dir, 'scope-test.yaml'),
      stringify({
        rule_files: ['rules.yaml'],
        evaluation_interval: '1m',
        tests: [
          {
            interval: '15s',
            input_series: names.map((name) => ({ series: `${name}${foreign}`, values: '0+60x40' })),
            promql_expr_test: queries.map(({ expr }) => ({ expr, eval_time: '10m', exp_samples: [] })),
          },
        ],
      }),
    );
    expect(promtool(['test', 'rules', 'scope-test.yaml'], dir)).toContain('SUCCESS');
  });
});
