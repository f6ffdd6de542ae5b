/**
 * A panel that plots two kinds of quantity (bytes beside CPU seconds, a count beside a lag) on one
 * axis shows one of them as a flat line at zero: each kind gets its own unit, and its own axis.
 */
import { describe, expect, it } from 'vitest';
import { dashboard } from '../src/observability-files.ts';
import { metricNames } from '../src/promql.ts';

interface Panel {
  title: string;
  type: string;
  targets?: Array<{ refId: string; expr: string }>;
  fieldConfig?: {
    defaults?: { unit?: string };
    overrides?: Array<{ matcher: { id: string; options: string }; properties: Array<{ id: string; value: unknown }> }>;
  };
}

/** The kind of quantity a query plots, read from its metrics' unit suffixes. */
function quantityOf(expr: string): string {
  const names = metricNames(expr);
  if (names.some((name) => name.endsWith('_bytes'))) return 'bytes';
  if (names.some((name) => /_seconds(_total|_count|_sum|_bucket)?$/.test(name) && !/_count$/.test(name))) return 'seconds';
  return 'count';
}

/** The unit each query of the panel is shown in: the panel's own, or an override for its refId. */
function unitOf(panel: Panel, refId: string): string | undefined {
  const override = panel.fieldConfig?.overrides?.find(
    (candidate) => candidate.matcher.id === 'byFrameRefID' && candidate.matcher.options === refId,
  );
  const unit = override?.properties.find((property) => property.id === 'unit')?.value as string | undefined;
  return unit ?? panel.fieldConfig?.defaults?.unit;
}

describe('the dashboard', () => {
  const panels = (dashboard().panels as Panel[]).filter((panel) => panel.type === 'timeseries' && (panel.targets?.length ?? 0) > 1);

  it('has panels that plot more than one query', () => {
    expect(panels.map((panel) => panel.title)).toContain('Memory and CPU per pod');
  });

  it.each(panels.map((panel) => [panel.title, panel] as const))(
    'shows each kind of quantity in "%s" in a unit of its own',
    (_title, panel) => {
      const unitsByQuantity = new Map<string, Set<string | undefined>>();
      for (const target of panel.targets!) {
        const quantity = quantityOf(target.expr);
        unitsByQuantity.set(quantity, (unitsByQuantity.get(quantity) ?? new Set()).add(unitOf(panel, target.refId)));
      }
      const units = [...unitsByQuantity.values()].map((set) => [...set].join(','));
      expect(new Set(units).size).toBe(units.length);
    },
  );
});
