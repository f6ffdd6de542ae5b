import { projectTestConfig } from '@myshop/vitest-config';
import { defineConfig } from 'vitest/config';

export default defineConfig(
  projectTestConfig({
    dir: import.meta.dirname,
    database: true,
    coverage: { lines: 94, functions: 85, branches: 85, statements: 91 },
  }),
);
