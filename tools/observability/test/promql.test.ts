import { describe, expect, it } from 'vitest';
import { exposedNames, metricNames } from '../src/promql.ts';

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
