/**
 * `npm run chaos:rollout`: the rolling restart of every replica of every service under load,
 * full length (3 replicas per service), its figures as a table. Exit code 1 if one misses.
 *   npm run chaos:rollout -- --replicas 2 --rate 60
 */
import { FULL } from './checks.ts';
import { renderTable } from './figures.ts';
import { optionsOrExit } from './options-or-exit.ts';
import { runRolloutCheck } from './rollout.ts';
import { rolloutOptions } from './rollout-options.ts';

const options = optionsOrExit('chaos:rollout', 'options: --replicas, --rate, --shoppers', () => rolloutOptions(process.argv.slice(2)));

const say = (message: string) => process.stderr.write(`[chaos] ${message}\n`);
const result = await runRolloutCheck({ ...FULL.rollout, ...options, log: say });
process.stdout.write(`${renderTable(result.figures)}\n`);
const { summary } = result.details;
if (summary.failureSamples.length > 0) say(`first failures: ${JSON.stringify(summary.failureSamples)}`);
if (summary.unexpectedSamples.length > 0) say(`unexpected answers: ${JSON.stringify(summary.unexpectedSamples)}`);
process.exitCode = result.figures.every((figure) => figure.pass) ? 0 : 1;
