/**
 * The test settings every project shares; each project's vitest.config.ts adds only what is its
 * own. Workspace libraries resolve to their TypeScript sources through the `@myshop/source`
 * export condition, exactly as `npm start` runs them: no build step before a test.
 */
import { basename, resolve } from 'node:path';
import type { ViteUserConfig } from 'vitest/config';
import { RUN_LOG_VARIABLE, runLogFile } from './run-log.ts';
import { SkippedByName } from './skipped-by-name.ts';

const root = resolve(import.meta.dirname, '../../..');
// Vite's default server conditions, with ours first.
const conditions = ['@myshop/source', 'module', 'node', 'development|production'];

export interface ProjectTestOptions {
  /** The project's directory (`import.meta.dirname` of its vitest.config.ts). */
  dir: string;
  /** Start (or find) the PostgreSQL server that the tests create their databases on. */
  database?: boolean;
  /** Minimum coverage of the project's own sources, in percent; raise it, never lower it. */
  coverage: { lines: number; functions: number; branches: number; statements: number };
}

export function projectTestConfig({ dir, database = false, coverage }: ProjectTestOptions): ViteUserConfig {
  const project = basename(dir);
  // Every line a service under test logs goes here too (captureLogs), for the final log scan.
  process.env[RUN_LOG_VARIABLE] = runLogFile(project);
  return {
    resolve: { conditions },
    ssr: { resolve: { conditions } },
    // Vitest loads global setup files in an environment of its own.
    environments: { __vitest__: { resolve: { conditions } } },
    test: {
      include: ['test/**/*.test.ts'],
      environment: 'node',
      // The run's temporary folder last: the database's, which its keeper removes once PostgreSQL
      // has stopped, stays out of it, as the run's folder may go first (Ctrl-C).
      globalSetup: [
        resolve(import.meta.dirname, 'run-log-setup.ts'),
        ...(database ? [resolve(import.meta.dirname, 'global-setup.ts')] : []),
        resolve(import.meta.dirname, 'temp-root-setup.ts'),
      ],
      env: { [RUN_LOG_VARIABLE]: runLogFile(project) },
      testTimeout: 30_000,
      hookTimeout: 60_000,
      reporters: ['default', 'json', new SkippedByName(root)],
      // Read by .ci/run to print one `N passed, N failed` line for the whole workspace.
      outputFile: { json: resolve(root, 'reports/vitest', `${project}.json`) },
      coverage: {
        enabled: true,
        provider: 'v8',
        include: ['src/**/*.ts'],
        reporter: ['text-summary', 'json-summary'],
        reportsDirectory: resolve(root, 'reports/coverage', project),
        thresholds: coverage,
      },
    },
  };
}
