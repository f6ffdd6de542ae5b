// Not @myshop/vitest-config: that package's global setup is built on this one, so using it here
// would make each depend on the other. The same essentials, spelled out.
import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

const root = resolve(import.meta.dirname, '../..');
const conditions = ['@myshop/source', 'module', 'node', 'development|production'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    // As in @myshop/vitest-config: stopping a server in a test's clean-up takes a while on a busy machine.
    hookTimeout: 60_000,
    reporters: ['default', 'json'],
    outputFile: { json: resolve(root, 'reports/vitest/embedded-postgres.json') },
  },
});
