import { projectTestConfig } from '@myshop/vitest-config';
import { defineConfig } from 'vitest/config';

export default defineConfig(
  projectTestConfig({
    dir: import.meta.dirname,
    coverage: { lines: 97, functions: 91, branches: 87, statements: 94 },
  }),
);
