import { projectTestConfig } from '@myshop/vitest-config';
import { defineConfig } from 'vitest/config';

export default defineConfig(
  projectTestConfig({
    dir: import.meta.dirname,
    // The reconciliation command's tests read databases of their own.
    database: true,
    coverage: { lines: 86, functions: 85, branches: 72, statements: 84 },
  }),
);
