/**
 * `npm run security:audit`: `npm audit --omit=dev` against the real advisory database. Not part of
 * `npm test`: the advisory endpoint is a POST the registry mirror of some build machines refuses
 * (405), and a check that cannot get a report must say so, not pass. GitHub CI runs it.
 * Exit code 1 on any high or critical advisory, and when no report could be had.
 */
import { runNpmAudit } from './npm-audit.ts';

const target = '0 high, 0 critical';
try {
  const summary = await runNpmAudit();
  const { high, critical, moderate, low } = summary.vulnerabilities;
  const figure = `${high} high, ${critical} critical (${moderate} moderate, ${low} low)`;
  const pass = high === 0 && critical === 0;
  process.stdout.write(`npm audit --omit=dev: ${summary.dependencies} production dependencies, ${figure} (target ${target})\n`);
  for (const line of summary.serious) process.stdout.write(`  ${line}\n`);
  process.exitCode = pass ? 0 : 1;
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exitCode = 1;
}
