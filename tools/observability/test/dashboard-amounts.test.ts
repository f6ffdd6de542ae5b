/**
 * The amount panels show major units of each currency: a shop in yen and one in dollars, each
 * taking one major unit a second, read the same, whatever the currency's minor unit.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { describe, expect, it, onTestFinished } from 'vitest';
import { requiredTool } from '@myshop/testing';
import { dashboard } from '../src/observability-files.ts';
import { promtool } from '../src/promtool.ts';

// A fresh machine may lack promtool: the test then says so by name (CI installs it, and fails
// on any skipped test).
const promtoolBinary = requiredTool('promtool', 'apt-get install -y prometheus');

interface Panel {
  title: string;
  targets?: Array<{ expr: string }>;
}

const amountPanels = (dashboard().panels as Panel[]).flatMap((panel) =>
  (panel.targets ?? [])
    .filter((target) => target.expr.includes('myshop_payment_amount_minor_total'))
    .map(({ expr }) => ({ title: panel.title, expr })),
);

/** Two replicas per shop, as scraped: each with its own pod label, each exporting the currency's minor units. */
function series(currency: string, minorPerSecond: number, minorUnitsPerMajor: number) {
  return ['a', 'b'].flatMap((pod) => [
    // Half the shop's charges each, a sample a minute for 25 hours.
    {
      series: `myshop_payment_amount_minor_total{service="payment",pod="${currency}-${pod}",currency="${currency}"}`,
      values: `0+${minorPerSecond * 30}x1500`,
    },
    {
      series: `myshop_payment_minor_units_per_major{service="payment",pod="${currency}-${pod}",currency="${currency}"}`,
      values: `${minorUnitsPerMajor}x1500`,
    },
  ]);
}

describe('the dashboard’s amount panels', () => {
  it('are the charged-amount stat and time series', () => {
    expect(amountPanels.map((panel) => panel.title)).toEqual(['Charged (24 h, major units)', 'Amount charged per second (major units)']);
  });

  it.skipIf(!promtoolBinary.path)(
    `divide by each currency's own minor unit: yen and dollars read the same (promtool test rules)${promtoolBinary.skipNote}`,
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'myshop-amounts-'));
      onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
      // One major unit a second in each shop: over 24 h, 86,400.
      const expected = (expr: string) => (expr.includes('[24h]') ? 86_400 : 1);
      writeFileSync(
        join(dir, 'amounts-test.yaml'),
        stringify({
          rule_files: [],
          evaluation_interval: '1m',
          tests: [
            {
              interval: '1m',
              input_series: [...series('JPY', 1, 1), ...series('USD', 100, 100)],
              promql_expr_test: amountPanels.map(({ expr }) => ({
                expr: expr.replaceAll('$__rate_interval', '5m'),
                eval_time: '1450m',
                exp_samples: ['JPY', 'USD'].map((currency) => ({ labels: `{currency="${currency}"}`, value: expected(expr) })),
              })),
            },
          ],
        }),
      );
      expect(promtool(['test', 'rules', 'amounts-test.yaml'], dir)).toContain('SUCCESS');
    },
  );
});
