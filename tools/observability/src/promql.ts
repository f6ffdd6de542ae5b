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
