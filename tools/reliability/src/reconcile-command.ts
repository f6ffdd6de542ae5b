import { execFile } from 'node:child_process';
import { join } from 'node:path';

/** What `npm run reconcile` printed and its exit code. */
export interface ReconcileRun {
  code: number;
  output: string;
}

/** Runs the reconciliation command as an operator runs it (its own process), against two databases. */
export function runReconcileCommand(cartDatabaseUrl: string, paymentDatabaseUrl: string, waitSeconds = 0): Promise<ReconcileRun> {
  const entry = join(import.meta.dirname, 'reconcile-cli.ts');
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--conditions=@myshop/source', entry, '--cart', cartDatabaseUrl, '--payment', paymentDatabaseUrl, '--wait', String(waitSeconds)],
      { timeout: (waitSeconds + 60) * 1000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}` }),
    );
  });
}
