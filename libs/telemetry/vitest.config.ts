import { projectTestConfig } from '@myshop/vitest-config';
import { defineConfig } from 'vitest/config';

export default defineConfig(
  projectTestConfig({
    dir: import.meta.dirname,
    database: true,
    coverage: { lines: 81, functions: 89, branches: 72, statements: 80 },
  }),
);
