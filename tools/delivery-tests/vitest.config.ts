import { projectTestConfig } from '@myshop/vitest-config';
import { defineConfig } from 'vitest/config';

// The manifests, Skaffold, CI and Dockerfile tests: kubectl, no engine. The image tests, which need
// a Docker engine, are vitest.images.config.ts (`npm run test:images`).
export default defineConfig(
  projectTestConfig({
    dir: import.meta.dirname,
    coverage: { lines: 85, functions: 95, branches: 60, statements: 78 },
  }),
);
