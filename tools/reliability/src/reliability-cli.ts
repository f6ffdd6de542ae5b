/**
 * `npm run reliability`: every restart and self-healing check at full length, plus the figures
 * other checks left in reports/reliability/*.json (abuse and hostile input, manifests), printed
 * as one table and written to reports/reliability.json. Exit code 1 if any figure misses.
 *   npm run reliability -- --only rollout,overload     a subset of the checks run here
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CHECK_NAMES, FULL, runChecks, type CheckName } from './checks.ts';
import { readFigureFiles, readTestRuns, renderTable, vouchedByLastTestRun, writeFigures } from './figures.ts';
import { repositoryRoot } from './harness.ts';
import { optionsOrExit } from './options-or-exit.ts';

const { values } = optionsOrExit('reliability', `options: --only ${CHECK_NAMES.join(',')}`, () =>
  parseArgs({ options: { only: { type: 'string' } } }),
);
const isCheckName = (name: string): name is CheckName => (CHECK_NAMES as string[]).includes(name);
const named = values.only ? values.only.split(',').map((name) => name.trim()) : CHECK_NAMES;
const unknown = named.filter((name) => !isCheckName(name));
if (unknown.length > 0) {
  process.stderr.write(`--only: unknown check ${unknown.join(', ')} (known: ${CHECK_NAMES.join(', ')})\n`);
  process.exit(2);
}
const only = named.filter(isCheckName);
const say = (message: string) => process.stderr.write(`[reliability] ${message}\n`);

const { figures, details } = await runChecks(FULL, say, only);

// The abuse, hostile-input and manifest checks are tests: `npm test` leaves their figures here,
// and each counts only if its test file passed in the last run (its vitest report) and wrote it.
const inbox = join(repositoryRoot, 'reports/reliability');
const testRuns = readTestRuns(join(repositoryRoot, 'reports/vitest'), repositoryRoot);
const collected = readFigureFiles(inbox).map((figure) => vouchedByLastTestRun(figure, testRuns));
if (collected.length === 0) {
  say(`no figures found in ${inbox}: run npm test first for the abuse, hostile-input and manifest checks`);
  collected.push({ check: 'figures of npm test', load: '-', figure: `none in ${inbox}`, target: 'run npm test first', pass: false });
} else say(`${collected.length} figures collected from ${inbox}, written by the last test run (${writtenBetween(inbox)})`);
figures.push(...collected);

const output = join(repositoryRoot, 'reports/reliability.json');
writeFigures(output, figures, { details });
process.stdout.write(`${renderTable(figures)}\n`);
say(`written to ${output}`);
process.exitCode = figures.every((figure) => figure.pass) ? 0 : 1;

function writtenBetween(dir: string): string {
  const times = readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .map((name) => statSync(join(dir, name)).mtime.toISOString().slice(0, 16).replace('T', ' '))
    .sort();
  return times[0] === times.at(-1) ? `${times[0]}` : `${times[0]} to ${times.at(-1)}`;
}
