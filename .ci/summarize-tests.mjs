// Sums the vitest JSON reports of every project into the one line CI reads:
// `N passed, N failed`. A test file that failed to load counts as one failure.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2] ?? 'reports/vitest';
// Exit codes of the test commands: one that failed while every test passed (a coverage
// threshold, a project that could not start) still counts as one failure.
const commandStatuses = process.argv.slice(3).map(Number);
let passed = 0;
let failed = 0;
const files = existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith('.json')) : [];
for (const file of files) {
  const report = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  passed += report.numPassedTests ?? 0;
  failed += report.numFailedTests ?? 0;
  for (const suite of report.testResults ?? []) {
    if (suite.status === 'failed' && (suite.assertionResults ?? []).length === 0) failed += 1;
  }
}
if (files.length === 0) failed += 1;
if (failed === 0 && commandStatuses.some((status) => status !== 0)) failed += 1;
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
