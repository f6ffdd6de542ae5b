import { projectTestConfig } from '@myshop/vitest-config';
import { defineConfig } from 'vitest/config';

export default defineConfig(
  projectTestConfig({
    dir: import.meta.dirname,
    coverage: { lines: 97, functions: 97, branches: 97, statements: 97 },
  }),
);
