import { projectTestConfig } from '@myshop/vitest-config';
import { defineConfig } from 'vitest/config';

export default defineConfig(
  projectTestConfig({
    dir: import.meta.dirname,
    // The reconciliation command's tests read databases of their own.
    database: true,
    coverage: { lines: 85, functions: 82, branches: 70, statements: 82 },
  }),
);
