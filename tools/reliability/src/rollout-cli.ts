/**
 * `npm run chaos:rollout`: the rolling restart of every replica of every service under load,
 * full length (3 replicas per service), its figures as a table. Exit code 1 if one misses.
 *   npm run chaos:rollout -- --replicas 2 --rate 60
 */
import { parseArgs } from 'node:util';
import { FULL } from './checks.ts';
import { renderTable } from './figures.ts';
import { optionsOrExit } from './options-or-exit.ts';
import { runRolloutCheck } from './rollout.ts';

const { values } = optionsOrExit('chaos:rollout', 'options: --replicas, --rate, --shoppers', () =>
  parseArgs({
    options: {
      replicas: { type: 'string', default: String(FULL.rollout.replicas) },
      rate: { type: 'string', default: String(FULL.rollout.ratePerSecond) },
      shoppers: { type: 'string', default: String(FULL.rollout.shoppers) },
    },
  }),
);

const say = (message: string) => process.stderr.write(`[chaos] ${message}\n`);
const result = await runRolloutCheck({
  ...FULL.rollout,
  replicas: Number(values.replicas),
  ratePerSecond: Number(values.rate),
  shoppers: Number(values.shoppers),
  log: say,
});
process.stdout.write(`${renderTable(result.figures)}\n`);
const { summary } = result.details;
if (summary.failureSamples.length > 0) say(`first failures: ${JSON.stringify(summary.failureSamples)}`);
if (summary.unexpectedSamples.length > 0) say(`unexpected answers: ${JSON.stringify(summary.unexpectedSamples)}`);
process.exitCode = result.figures.every((figure) => figure.pass) ? 0 : 1;
