import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// Nx replays a test run from its cache while the run's inputs are unchanged, and by default those
// are this project's files and its dependencies'. The checks here drive `npm start`'s stack through
// its gateway, which routes by k8s/base/ingress: unless that is an input, a route broken by an edit
// of the Ingress passes `npm test` on the cached result.
describe('the test target', () => {
  it('runs again when the Ingress changes', () => {
    const project = JSON.parse(readFileSync(new URL('../project.json', import.meta.url), 'utf8')) as {
      targets?: { test?: { inputs?: string[] } };
    };
    expect(project.targets?.test?.inputs).toEqual(
      expect.arrayContaining(['default', '^production', '{workspaceRoot}/k8s/base/ingress/**/*']),
    );
  });
});
