import { projectTestConfig } from '@myshop/vitest-config';
import { defineConfig } from 'vitest/config';

export default defineConfig(
  projectTestConfig({
    dir: import.meta.dirname,
    coverage: { lines: 93, functions: 87, branches: 77, statements: 91 },
  }),
);
