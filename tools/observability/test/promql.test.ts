import { describe, expect, it } from 'vitest';
import { exposedLabels, exposedNames, labelUses, metricNames } from '../src/promql.ts';

describe('metricNames', () => {
  it('finds every selected metric, through functions, aggregations and binary operators', () => {
    expect(metricNames('sum by (service) (rate(a_total{x="1"}[5m])) / on(service) group_left b + up')).toEqual(['a_total', 'b', 'up']);
    expect(metricNames('{__name__="by_name", job="x"}')).toEqual(['by_name']);
    expect(metricNames('histogram_quantile(0.99, sum by (le) (rate(h_bucket[$__rate_interval])))')).toEqual(['h_bucket']);
    expect(metricNames('rate(x_total{service="$service"}[$__rate_interval]) * 100')).toEqual(['x_total']);
    expect(metricNames('absent(up{job="cart-metrics"}) or vector(0)')).toEqual(['up']);
  });

  it('refuses an expression that is not PromQL', () => {
    expect(() => metricNames('sum(rate(x[5m])')).toThrow(/syntax error/);
  });
});

describe('exposedNames', () => {
  it('lists each family and, for histograms, the series PromQL queries', () => {
    const text = [
      '# HELP h Help.',
      '# TYPE h histogram',
      'h_bucket{le="1"} 1',
      '# TYPE c_total counter',
      'c_total 3',
      '# TYPE g gauge',
    ].join('\n');
    expect([...exposedNames(text)].sort()).toEqual(['c_total', 'g', 'h', 'h_bucket', 'h_count', 'h_sum']);
  });
});

describe('labelUses', () => {
  it("finds each matcher's label and each label an aggregation groups by, with the metrics under it", () => {
    expect(
      labelUses('sum by (route, le) (rate(h_bucket{job="$service-metrics",status_code=~"5.."}[5m])) / on (service) sum(up{job="x"})'),
    ).toEqual([
      { metrics: ['h_bucket'], label: 'route' },
      { metrics: ['h_bucket'], label: 'le' },
      { metrics: ['h_bucket'], label: 'job' },
      { metrics: ['h_bucket'], label: 'status_code' },
      { metrics: ['up'], label: 'job', values: ['x'] },
    ]);
    // Literal values, and literal alternatives, are named; a pattern is not.
    expect(labelUses('a_total{result="paid",route!~"/livez|/readyz",code=~"5.."}')).toEqual([
      { metrics: ['a_total'], label: 'result', values: ['paid'] },
      { metrics: ['a_total'], label: 'route', values: ['/livez', '/readyz'] },
      { metrics: ['a_total'], label: 'code' },
    ]);
    expect(labelUses('{__name__="by_name"}')).toEqual([]);
    expect(labelUses('sum by (result) (rate(a_total[5m]) + rate(b_total[5m]))')).toEqual([
      { metrics: ['a_total', 'b_total'], label: 'result' },
    ]);
  });
});

describe('exposedLabels', () => {
  it('lists the labels of each series name, with their values', () => {
    const text = [
      '# TYPE h histogram',
      'h_bucket{le="1",service="cart",route="/a \\"b\\""} 1',
      'h_count{service="cart",route="/a"} 1',
      'c_total 3',
    ].join('\n');
    expect(exposedLabels(text)).toEqual(
      new Map([
        [
          'h_bucket',
          new Map([
            ['le', new Set(['1'])],
            ['service', new Set(['cart'])],
            ['route', new Set(['/a "b"'])],
          ]),
        ],
        [
          'h_count',
          new Map([
            ['service', new Set(['cart'])],
            ['route', new Set(['/a'])],
          ]),
        ],
        ['c_total', new Map()],
      ]),
    );
  });
});
