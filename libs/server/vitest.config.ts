import { projectTestConfig } from '@myshop/vitest-config';
import { defineConfig } from 'vitest/config';

export default defineConfig(
  projectTestConfig({
    dir: import.meta.dirname,
    database: true,
    coverage: { lines: 47, functions: 50, branches: 55, statements: 46 },
  }),
);
