/**
 * `npm run operators -w apps/user -- grant|revoke <email>`: who may refund. Reads the service's
 * configuration like the service does (DATABASE_URL); in a pod: `kubectl exec deploy/user --
 * node apps/user/dist/operators-cli.js grant ops@myshop.com`. Against `npm start`, give it the user
 * database URL the stack prints as it starts.
 */
import { loadConfigOrExit } from '@myshop/server';
import { loadUserConfig } from './config.ts';
import { runOperatorsCommand } from './operators.ts';

const config = loadConfigOrExit({ name: 'user', loadConfig: () => loadUserConfig() });
process.exitCode = await runOperatorsCommand(process.argv.slice(2), config.DATABASE_URL, {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
});
