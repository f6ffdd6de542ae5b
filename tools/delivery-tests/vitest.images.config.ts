import { resolve } from 'node:path';
import { projectTestConfig } from '@myshop/vitest-config';
import { defineConfig } from 'vitest/config';

// `npm run test:images`: builds every service's image with the real engine and runs it. Separate
// from `npm test` because it needs a Docker engine and the base image; .ci/run provides both and
// counts these tests in its summary (reports/vitest/delivery-tests-images.json).
const config = projectTestConfig({
  dir: import.meta.dirname,
  coverage: { lines: 0, functions: 0, branches: 0, statements: 0 },
});
const test = config.test!;
test.include = ['test-images/**/*.test.ts'];
test.outputFile = { json: resolve(import.meta.dirname, '../../reports/vitest/delivery-tests-images.json') };
test.coverage = { ...test.coverage, enabled: false };
// A cold build compiles every library; later ones reuse the engine's cache.
test.testTimeout = 20 * 60_000;
test.hookTimeout = 20 * 60_000;
test.fileParallelism = false;

export default defineConfig(config);
