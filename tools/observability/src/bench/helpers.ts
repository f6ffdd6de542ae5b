import { join } from 'node:path';
import { forkService, type ForkedService } from '@myshop/server';

/**
 * One of the bench's own processes (the span sink, the yardsticks), forked and awaited like the
 * services: it reports where it listens over IPC, the protocol of runService and forkService.
 */
export function startHelper(script: string, env: Record<string, string> = {}): Promise<ForkedService> {
  return forkService(join(import.meta.dirname, script), {
    execArgv: ['--conditions=@myshop/source'],
    env: { ...process.env, ...env },
    onLine: (line) => process.stderr.write(`[${script}] ${line}\n`),
  });
}
