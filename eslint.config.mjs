// One lint config for the whole workspace. Nx's module-boundary rule turns the project tags into
// law: apps may use libs, libs only libs, and no app imports another app.
import nx from '@nx/eslint-plugin';
import jsoncParser from 'jsonc-eslint-parser';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist', '**/node_modules', '**/.data', 'reports', '**/coverage'] },
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  {
    files: ['**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
            // A tool builds on libs, and on the few tools tagged to be built on (devstack's stack).
            { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:lib', 'tool:shared'] },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  {
    // With noUncheckedIndexedAccess, `rows[0]!` after INSERT … RETURNING is the honest spelling.
    files: ['**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  {
    // Every package declares what its shipped code imports, and nothing it does not: the images
    // install each service's dependencies from these manifests alone.
    files: ['**/package.json'],
    languageOptions: { parser: jsoncParser },
    rules: { '@nx/dependency-checks': ['error', dependencyChecks(['build'])] },
  },
  {
    // The libraries that every project's tests load, and that have no build: judged by the sources
    // that typecheck reads. (Tools keep what they run in devDependencies, out of the images'
    // `npm ci --omit=dev`, so this rule, which wants those in dependencies, leaves them alone.)
    files: ['libs/testing/package.json', 'libs/vitest-config/package.json'],
    rules: {
      // supertest ships no types; the HttpClient type that @myshop/testing exports comes from these.
      '@nx/dependency-checks': ['error', dependencyChecks(['typecheck'], ['@types/supertest'])],
    },
  },
);

function dependencyChecks(buildTargets, ignored = []) {
  return {
    buildTargets,
    checkMissingDependencies: true,
    checkObsoleteDependencies: true,
    checkVersionMismatches: true,
    includeTransitiveDependencies: false,
    // The OpenTelemetry SDK's peer: one copy of the API for the SDK and the instrumentations.
    ignoredDependencies: ['@opentelemetry/api', ...ignored],
    ignoredFiles: ['{projectRoot}/test/**/*', '{projectRoot}/vitest*.config.ts', '{projectRoot}/eslint.config.mjs'],
  };
}
