import { projectTestConfig } from '@myshop/vitest-config';
import { defineConfig } from 'vitest/config';

export default defineConfig(
  projectTestConfig({
    dir: import.meta.dirname,
    database: true,
    coverage: { lines: 15, functions: 11, branches: 3, statements: 13 },
  }),
);
