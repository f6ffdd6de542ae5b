import { projectTestConfig } from '@myshop/vitest-config';
import { defineConfig } from 'vitest/config';

export default defineConfig(
  projectTestConfig({
    dir: import.meta.dirname,
    coverage: { lines: 90, functions: 89, branches: 97, statements: 91 },
  }),
);
