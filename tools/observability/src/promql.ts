import { parser } from '@prometheus-io/lezer-promql';

/** Grafana's variables in an expression, replaced by values PromQL parses, before parsing. */
const GRAFANA_VARIABLES: Array<[RegExp, string]> = [
  [/\$__rate_interval|\$__interval|\$__range/g, '5m'],
  [/\$\{?(\w+)(?::\w+)?\}?/g, 'grafana_variable'],
];

/**
 * The metric names an expression selects, from PromQL's own grammar (the Lezer parser Prometheus'
 * UI uses): every vector selector's name, `{__name__="…"}` included. Throws on a syntax error,
 * naming the position, so a broken expression cannot pass as one that names nothing.
 */
export function metricNames(expression: string): string[] {
  const text = GRAFANA_VARIABLES.reduce((current, [pattern, value]) => current.replace(pattern, value), expression);
  const tree = parser.parse(text);
  const names = new Set<string>();
  const cursor = tree.cursor();
  do {
    if (cursor.type.isError) throw new Error(`PromQL syntax error at ${cursor.from} in: ${expression}`);
    if (cursor.name === 'VectorSelector') {
      const selector = cursor.node;
      const identifier = selector.getChild('Identifier');
      if (identifier) names.add(text.slice(identifier.from, identifier.to));
      for (const matcher of selector.getChild('LabelMatchers')?.getChildren('UnquotedLabelMatcher') ?? []) {
        const label = matcher.getChild('LabelName');
        const value = matcher.getChild('StringLiteral');
        if (label && value && text.slice(label.from, label.to) === '__name__') names.add(text.slice(value.from + 1, value.to - 1));
      }
    }
  } while (cursor.next());
  return [...names].sort();
}

/**
 * The names a Prometheus text exposition offers to queries: each metric family's name and, by
 * its type, the series PromQL sees (`_bucket`, `_sum`, `_count` of a histogram…).
 */
export function exposedNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const line of exposition.split('\n')) {
    const match = /^# TYPE (\S+) (\w+)$/.exec(line);
    if (!match) continue;
    const [, name, type] = match as unknown as [string, string, string];
    names.add(name);
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${name}${suffix}`);
    if (type === 'summary') for (const suffix of ['_sum', '_count']) names.add(`${name}${suffix}`);
  }
  return names;
}

/** A label an expression asks of a metric: at least one of `metrics` must carry `label`. */
export interface LabelUse {
  metrics: string[];
  label: string;
  /**
   * The values a matcher names, when they are literal: `result="paid"`, the alternatives of
   * `route!~"/livez|/readyz"`. None for a grouping label or a pattern (`status_code=~"5.."`).
   */
  values?: string[];
}

/** A regular expression that is literal text, or literal alternatives: `/livez|/readyz`. */
const LITERAL_ALTERNATIVES = /^[\w/:-]+(\|[\w/:-]+)*$/;

/** The literal values of a matcher, if it names any: a Grafana variable's value is not known here. */
function matcherValues(op: string, value: string): { values?: string[] } {
  if (value.includes('grafana_variable')) return {};
  if (!op.includes('~')) return { values: [value] };
  return LITERAL_ALTERNATIVES.test(value) ? { values: value.split('|') } : {};
}

/**
 * The labels an expression asks of the metrics it selects: each matcher's label
 * (`status_code=~"5.."`), and each label an aggregation groups by (`sum by (route) (…)`), asked
 * of the metrics under it. A label a metric does not have, or a value it never takes, matches
 * nothing, or groups everything into one series, without any error from Prometheus.
 */
export function labelUses(expression: string): LabelUse[] {
  const text = GRAFANA_VARIABLES.reduce((current, [pattern, value]) => current.replace(pattern, value), expression);
  const tree = parser.parse(text);
  const uses: LabelUse[] = [];
  const slice = (node: { from: number; to: number }) => text.slice(node.from, node.to);
  const cursor = tree.cursor();
  do {
    if (cursor.type.isError) throw new Error(`PromQL syntax error at ${cursor.from} in: ${expression}`);
    const node = cursor.node;
    if (cursor.name === 'VectorSelector') {
      const identifier = node.getChild('Identifier');
      if (!identifier) continue;
      for (const matcher of node.getChild('LabelMatchers')?.getChildren('UnquotedLabelMatcher') ?? []) {
        const label = matcher.getChild('LabelName');
        const literal = matcher.getChild('StringLiteral');
        const op = matcher.getChild('MatchOp');
        if (!label || !literal || !op || slice(label) === '__name__') continue;
        uses.push({ metrics: [slice(identifier)], label: slice(label), ...matcherValues(slice(op), JSON.parse(slice(literal)) as string) });
      }
    }
    if (cursor.name === 'AggregateExpr') {
      const modifier = node.getChild('AggregateModifier');
      if (!modifier?.getChild('By')) continue;
      const body = node.getChild('FunctionCallBody');
      const metrics = body ? metricNames(slice(body).slice(1, -1)) : [];
      for (const label of modifier.getChild('GroupingLabels')?.getChildren('LabelName') ?? []) uses.push({ metrics, label: slice(label) });
    }
  } while (cursor.next());
  return uses;
}

/** The labels of each series name in a Prometheus text exposition, with their values (`h_bucket` has `le`). */
export function exposedLabels(exposition: string): Map<string, Map<string, Set<string>>> {
  const series = new Map<string, Map<string, Set<string>>>();
  for (const line of exposition.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? /.exec(line);
    if (!match) continue;
    const labels = series.get(match[1]!) ?? new Map<string, Set<string>>();
    for (const [, name, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
      labels.set(name!, (labels.get(name!) ?? new Set<string>()).add(JSON.parse(`"${value!}"`) as string));
    }
    series.set(match[1]!, labels);
  }
  return series;
}
