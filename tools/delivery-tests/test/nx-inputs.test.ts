import { existsSync, readdirSync } from 'node:fs';
import { nxTargetInputFiles, repoPath, serviceRuntimeFiles } from '@myshop/release';
import { describe, expect, it } from 'vitest';
import { markdownPages } from '../src/markdown-pages.ts';

// Nx replays a test run from its cache while the run's inputs are unchanged. These tests load the
// services' own code (their config schemas and the libraries those import, their apps for the
// probe paths): unless every file a service runs is an input, a config key broken by an edit of
// a library (libs/auth's token keys) passes `npm test` on the cached result of the code before it.
describe('the test target', () => {
  it('runs again when a file a service runs changes', () => {
    const inputs = nxTargetInputFiles('delivery-tests:test');
    const files = serviceRuntimeFiles();
    expect(files).toContain('libs/auth/src/auth-config.ts');
    expect(files.filter((file) => !inputs.has(file))).toEqual([]);
  }, 60_000);

  // The docs tests (docs-links, docs-tables) judge every Markdown page, most of them in no project.
  it('runs again when a Markdown page changes', () => {
    const inputs = nxTargetInputFiles('delivery-tests:test');
    const pages = markdownPages();
    expect(pages).toContain('docs/configuration.md');
    expect(pages.filter((page) => !inputs.has(page))).toEqual([]);
  }, 60_000);

  // docs-commands holds the pages' `npm run …` and `nx test …` to every workspace's scripts and
  // Nx project, most of which this project does not depend on.
  it('runs again when a workspace’s package.json or project.json changes', () => {
    const inputs = nxTargetInputFiles('delivery-tests:test');
    const manifests = ['apps', 'libs', 'tools'].flatMap((group) =>
      readdirSync(repoPath(group)).flatMap((name) =>
        ['package.json', 'project.json'].map((file) => `${group}/${name}/${file}`).filter((path) => existsSync(repoPath(path))),
      ),
    );
    expect(manifests).toContain('tools/reliability/package.json');
    expect(manifests.filter((path) => !inputs.has(path))).toEqual([]);
  }, 60_000);
});
