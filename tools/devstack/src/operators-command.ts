import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * The user service's operators command, run as an operator runs it: its own process, the user
 * database's URL in DATABASE_URL. Resolves once it has granted or revoked; rejects with what it said.
 */
export async function runOperatorsCommand(root: string, databaseUrl: string, change: 'grant' | 'revoke', email: string): Promise<void> {
  const entry = join(root, 'apps', 'user', 'src', 'operators-cli.ts');
  try {
    await run(process.execPath, ['--conditions=@myshop/source', entry, change, email], {
      env: { ...process.env, NODE_ENV: 'development', DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' },
      timeout: 30_000,
    });
  } catch (error) {
    const { stderr } = error as { stderr?: string };
    throw new Error(`operators ${change} ${email} failed: ${stderr?.trim() || (error as Error).message}`);
  }
}
