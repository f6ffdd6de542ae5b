import { describe, expect, it } from 'vitest';
import { nxTargetInputFiles, serviceRuntimeFiles } from '../src/nx-inputs.ts';

// Nx replays a test run from its cache while the run's inputs are unchanged. The journey test runs
// every service through `npm start`: unless every file they run is an input (the libraries they
// load, their migrations, the catalogue), a checkout broken by an edit of one passes `npm test`
// on the cached result of the code before it.
describe('the test target', () => {
  it('runs again when a file a service runs changes', () => {
    const inputs = nxTargetInputFiles('release:test');
    const files = serviceRuntimeFiles();
    expect(files).toContain('libs/http-client/src/index.ts');
    expect(files.filter((file) => !inputs.has(file))).toEqual([]);
  }, 60_000);

  it('runs again when a root script changes: root-scripts.test.ts runs the release scripts as package.json writes them', () => {
    expect(nxTargetInputFiles('release:test')).toContain('package.json');
  }, 60_000);
});
