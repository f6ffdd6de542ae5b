// Sums the vitest JSON reports of every project into the one line CI reads:
// `N passed, N failed`. A test file that failed to load counts as one failure.
// Skipped tests (a tool missing, it.skip, it.todo) are listed by name; with CI=true each counts
// as a failure, since CI installs every tool a test needs and a skipped test proves nothing.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2] ?? 'reports/vitest';
// Exit codes of the test commands: one that failed while every test passed (a coverage
// threshold, a project that could not start) still counts as one failure.
const commandStatuses = process.argv.slice(3).map(Number);
const inCi = process.env.CI === 'true';
const SKIPPED = new Set(['skipped', 'pending', 'todo', 'disabled']);
let passed = 0;
let failed = 0;
const skipped = [];
const files = existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith('.json')) : [];
for (const file of files) {
  const report = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  passed += report.numPassedTests ?? 0;
  failed += report.numFailedTests ?? 0;
  let named = 0;
  for (const suite of report.testResults ?? []) {
    if (suite.status === 'failed' && (suite.assertionResults ?? []).length === 0) failed += 1;
    for (const test of suite.assertionResults ?? []) {
      if (!SKIPPED.has(test.status)) continue;
      named += 1;
      skipped.push(`${file.replace(/\.json$/, '')}: ${test.fullName ?? test.title}`);
    }
  }
  // Counted but not listed (a report without per-test results): still skipped.
  const counted = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  for (let index = named; index < counted; index += 1) skipped.push(`${file.replace(/\.json$/, '')}: (a skipped test)`);
}
if (skipped.length > 0) {
  console.log(`${skipped.length} skipped${inCi ? ' (a failure in CI: every tool a test needs is installed there)' : ''}:`);
  for (const name of skipped) console.log(`  - ${name}`);
  if (inCi) failed += skipped.length;
}
if (files.length === 0) failed += 1;
if (failed === 0 && commandStatuses.some((status) => status !== 0)) failed += 1;
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
