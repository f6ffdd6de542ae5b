import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// Nx replays a test run from its cache while the run's inputs are unchanged, and by default those
// are this project's files and its dependencies'. These tests read files outside them: the
// PrometheusRule and its promtool cases, the dashboard, Fluent Bit's config and the rendered
// overlays (k8s/), the images' ENV (docker/), and the page that lists the metrics and alerts
// (docs/observability.md). Unless those are inputs, a rule broken by an edit passes `npm test` on
// the cached result of the rule before it.
describe('the test target', () => {
  it('runs again when a manifest, a Dockerfile or docs/observability.md changes', () => {
    const project = JSON.parse(readFileSync(new URL('../project.json', import.meta.url), 'utf8')) as {
      targets?: { test?: { inputs?: string[] } };
    };
    expect(project.targets?.test?.inputs).toEqual(
      expect.arrayContaining([
        'default',
        '^production',
        '{workspaceRoot}/k8s/**/*',
        '{workspaceRoot}/docker/**/*',
        '{workspaceRoot}/docs/observability.md',
      ]),
    );
  });
});
