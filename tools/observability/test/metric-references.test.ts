/**
 * Every metric the rules and the dashboard query must be one the services really export, with
 * the labels and the label values they ask of it: read from the /metrics of the three services,
 * each running as its own process (as `npm start` runs it) on a fresh database; nothing here is a
 * hand-written list of our metrics.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appendToRunLog, createTestDatabase, markdownSection, requiredTool } from '@myshop/testing';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allExpressions, EXTERNAL_METRICS, repoRoot, ruleGroups } from '../src/observability-files.ts';
import { exposedLabels, exposedNames, labelUses, metricNames } from '../src/promql.ts';
import { promtool } from '../src/promtool.ts';
import { startServiceProcess, type ServiceProcess } from '../src/service-process.ts';

// A fresh machine may lack promtool: its test then says so by name (CI installs it, and fails
// when anything was skipped).
const promtoolBinary = requiredTool('promtool', 'apt-get install -y prometheus');

const running: ServiceProcess[] = [];
const cleanups: Array<() => Promise<void>> = [];
const exported = new Map<string, Set<string>>();
const scrapes = new Map<string, string>();

beforeAll(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'myshop-metrics-'));
  cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
  const start = async (service: string, env: Record<string, string> = {}) => {
    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    const process = await startServiceProcess(service, { DATABASE_URL: database.url, DATA_DIR: dataDir, ...env });
    running.push(process);
    return process;
  };
  const user = await start('user');
  const jwks = `${user.url}/user/.well-known/jwks.json`;
  const payment = await start('payment', {
    JWKS_URL: jwks,
    IDEMPOTENCY_FINGERPRINT_KEY: 'fingerprint-key-for-the-metrics-test-0123456789',
  });
  const cart = await start('cart', { JWKS_URL: jwks, PAYMENT_URL: payment.url });
  // A request to each, and one with a token to cart and payment (which then fetch the token keys
  // from user): a histogram has series, and so label names, only once it has timed something.
  const json = { 'content-type': 'application/json' };
  const account = { email: 'ada@example.com', password: 'correct horse battery' };
  await request(`${user.url}/user/register`, { method: 'POST', headers: json, body: JSON.stringify({ ...account, name: 'Ada' }) });
  const login = await request(`${user.url}/user/login`, { method: 'POST', headers: json, body: JSON.stringify(account) });
  const { accessToken } = (await login.body.json()) as { accessToken: string };
  for (const url of [`${cart.url}/cart`, `${payment.url}/payment/charges`]) {
    await (await request(url, { headers: { authorization: `Bearer ${accessToken}` } })).body.dump();
  }
  // The kubelet's probes, which the rules leave out by their route.
  for (const service of running) {
    for (const probe of ['/livez', '/readyz']) await (await request(`${service.url}${probe}`)).body.dump();
  }
  for (const service of running) {
    const response = await request(service.metricsUrl);
    const scrape = await response.body.text();
    scrapes.set(service.service, scrape);
    exported.set(service.service, exposedNames(scrape));
  }
}, 120_000);

/**
 * The labels Prometheus gives every sample of a target (Prometheus Operator's, through the
 * ServiceMonitors): `job`, `instance`, `namespace`, `pod`… `service` is the services' own too.
 */
const TARGET_LABELS = new Set(['job', 'instance', 'namespace', 'pod', 'container', 'endpoint', 'service']);

/**
 * Labels whose every value is in a scrape of a service that has done the little this test asks:
 * the shop's own counters start with each of theirs at 0, and the probes' routes were requested.
 * Other values (an `outcome="error"`, a 5xx) need the event to happen first.
 */
const valuesKnown = (metric: string, label: string) => metric.startsWith('myshop_') || label === 'route';

/**
 * Each label that the rules or the dashboard ask of a service's metric and no such series has,
 * and each value they name that such a label never takes.
 */
function unknownLabels(expressions: Array<{ where: string; expr: string }>): string[] {
  const series = new Map<string, Map<string, Set<string>>>();
  for (const scrape of scrapes.values()) {
    for (const [name, labels] of exposedLabels(scrape)) {
      const merged = series.get(name) ?? new Map<string, Set<string>>();
      for (const [label, values] of labels) merged.set(label, new Set([...(merged.get(label) ?? []), ...values]));
      series.set(name, merged);
    }
  }
  return expressions.flatMap(({ where, expr }) =>
    labelUses(expr).flatMap(({ metrics, label, values }) => {
      const ours = metrics.filter((metric) => series.has(metric));
      if (ours.length === 0 || TARGET_LABELS.has(label)) return [];
      const having = ours.filter((metric) => series.get(metric)!.has(label));
      if (having.length === 0) return [`${where}: ${label} of ${ours.join(', ')}`];
      return (values ?? [])
        .filter((value) => having.every((metric) => valuesKnown(metric, label) && !series.get(metric)!.get(label)!.has(value)))
        .map((value) => `${where}: ${label}="${value}" of ${having.join(', ')}`);
    }),
  );
}

afterAll(async () => {
  await Promise.all(running.map((service) => service.stop()));
  // Scanned with every other line of the run for secrets (tools/security-checks).
  for (const service of running) for (const line of service.lines) appendToRunLog(line);
  for (const cleanup of cleanups.reverse()) await cleanup();
}, 60_000);

describe('metric names in the rules and the dashboard', () => {
  it('parses every expression as PromQL', () => {
    const expressions = allExpressions();
    expect(expressions.length).toBeGreaterThan(30);
    for (const { where, expr } of expressions) expect(() => metricNames(expr), where).not.toThrow();
  });

  it('reads what each service exports from its /metrics', () => {
    for (const service of ['user', 'cart', 'payment']) {
      expect(exported.get(service), service).toContain('http_server_request_duration_seconds_bucket');
      expect(exported.get(service), service).toContain('db_query_duration_seconds_bucket');
    }
    expect(exported.get('user')).toContain('myshop_logins_total');
    expect(exported.get('cart')).toContain('http_client_request_duration_seconds_bucket');
    expect(exported.get('payment')).toContain('myshop_payment_amount_minor_total');
  });

  it.skipIf(!promtoolBinary.path)(`exports what Prometheus' own linter passes (promtool check metrics)${promtoolBinary.skipNote}`, () => {
    for (const [service, scrape] of scrapes) {
      expect(() => promtool(['check', 'metrics'], process.cwd(), scrape), service).not.toThrow();
    }
  });

  it('queries only metrics that a service exports, a rule records, or Prometheus / kube-state-metrics provide', () => {
    const recorded = new Set(ruleGroups().flatMap((group) => group.rules.flatMap((rule) => (rule.record ? [rule.record] : []))));
    const known = new Set([...[...exported.values()].flatMap((names) => [...names]), ...recorded, ...Object.keys(EXTERNAL_METRICS)]);
    const unknown = allExpressions().flatMap(({ where, expr }) =>
      metricNames(expr)
        .filter((name) => !known.has(name))
        .map((name) => `${where}: ${name}`),
    );
    expect(unknown).toEqual([]);
  });

  it('asks of each metric only labels its series have (status_code, not code), and values they take', () => {
    expect(unknownLabels(allExpressions())).toEqual([]);
  });

  it('would catch a label that a metric does not have, or a value it never takes', () => {
    expect(
      unknownLabels([
        {
          where: 'a panel',
          expr: 'sum by (status) (rate(http_server_request_duration_seconds_count{job="cart-metrics",code=~"5.."}[5m]))',
        },
        { where: 'a rule', expr: 'rate(http_server_request_duration_seconds_count{route!~"/healthz|/readyz"}[5m])' },
        { where: 'a stat', expr: 'sum(increase(myshop_cart_checkouts_total{result="succeeded"}[24h]))' },
      ]),
    ).toEqual([
      'a panel: status of http_server_request_duration_seconds_count',
      'a panel: code of http_server_request_duration_seconds_count',
      'a rule: route="/healthz" of http_server_request_duration_seconds_count',
      'a stat: result="succeeded" of myshop_cart_checkouts_total',
    ]);
  });

  it('would catch a metric that nobody exports', () => {
    const known = new Set([...exported.values()].flatMap((names) => [...names]));
    expect(
      metricNames('sum(rate(myshop_checkouts_total[5m])) / sum(rate(http_server_request_duration_seconds_count[$__rate_interval]))').filter(
        (name) => !known.has(name),
      ),
    ).toEqual(['myshop_checkouts_total']);
  });

  it('uses every domain metric somewhere', () => {
    const used = new Set(allExpressions().flatMap(({ expr }) => metricNames(expr)));
    for (const name of [
      'myshop_user_registrations_total',
      'myshop_logins_total',
      'myshop_cart_checkouts_total',
      'myshop_cart_refund_feed_reads_total',
      'myshop_cart_refunds_recorded_total',
      'myshop_payment_charges_total',
      'myshop_payment_amount_minor_total',
      'myshop_payment_idempotent_replays_total',
      'http_server_requests_in_flight',
      'db_pool_connections',
      'db_pool_waiting_requests',
      'http_client_request_duration_seconds_bucket',
    ]) {
      expect(used, name).toContain(name);
    }
  });
});

describe('metric names in the docs', () => {
  /** The metrics a scrape declares (`# TYPE` lines): their own names, without a histogram's suffixes. */
  const declared = (service: string) => [...scrapes.get(service)!.matchAll(/^# TYPE (\S+) /gm)].map((match) => match[1]!);
  /** The metric names in backticks under `## Metrics` of a page (`name{label}` as `name`), each once, sorted. */
  const documented = (page: string, pattern: RegExp) => {
    const text = markdownSection(readFileSync(join(repoRoot, page), 'utf8'), 'Metrics') ?? '';
    const names = [...text.matchAll(/`([a-z][a-z0-9_]*)(?:\{[^}`]*\})?`/g)].map((match) => match[1]!);
    return [...new Set(names.filter((name) => pattern.test(name)))].sort();
  };

  it('docs/observability.md names each of our metrics the services export (prom-client defaults aside), and no other', () => {
    const ours = /^(myshop|http|db)_/;
    const exportedOurs = [...new Set(['user', 'cart', 'payment'].flatMap(declared).filter((name) => ours.test(name)))].sort();
    expect(exportedOurs.length).toBeGreaterThan(10);
    expect(documented('docs/observability.md', ours)).toEqual(exportedOurs);
  });

  it('docs/observability.md names prom-client’s defaults by families every service exports (`nodejs_heap_*`)', () => {
    const text = readFileSync(join(repoRoot, 'docs/observability.md'), 'utf8');
    const families = [...text.matchAll(/`([a-z][a-z0-9_]*_)\*`/g)].map((match) => match[1]!);
    expect(families.length).toBeGreaterThan(0);
    for (const service of ['user', 'cart', 'payment']) {
      expect(
        families.filter((family) => !declared(service).some((name) => name.startsWith(family))),
        service,
      ).toEqual([]);
    }
  });

  it.each(['user', 'cart', 'payment'])('apps/%s/README.md names each business metric the service exports, and no other', (service) => {
    const business = /^myshop_/;
    expect(documented(`apps/${service}/README.md`, business)).toEqual(
      declared(service)
        .filter((name) => business.test(name))
        .sort(),
    );
  });
});
