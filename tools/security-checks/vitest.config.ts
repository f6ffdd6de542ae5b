import { projectTestConfig } from '@myshop/vitest-config';
import { defineConfig } from 'vitest/config';

export default defineConfig(
  projectTestConfig({
    dir: import.meta.dirname,
    coverage: { lines: 86, functions: 93, branches: 77, statements: 83 },
  }),
);
