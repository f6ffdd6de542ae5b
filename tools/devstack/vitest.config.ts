import { projectTestConfig } from '@myshop/vitest-config';
import { defineConfig } from 'vitest/config';

const config = projectTestConfig({
  dir: import.meta.dirname,
  // Watch mode asks a service's database which migrations it applied.
  database: true,
  coverage: { lines: 90, functions: 88, branches: 70, statements: 88 },
});
// `npm start` itself runs as its own process (delivery-tests' journey test starts it), out of
// sight of the coverage of these test workers; what it calls is covered here.
config.test!.coverage!.exclude = ['src/main.ts'];

export default defineConfig(config);
