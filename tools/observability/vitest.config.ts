import { projectTestConfig } from '@myshop/vitest-config';
import { defineConfig } from 'vitest/config';

export default defineConfig(
  projectTestConfig({
    dir: import.meta.dirname,
    database: true,
    coverage: { lines: 24, functions: 22, branches: 25, statements: 23 },
  }),
);
