/**
 * `npm start -- --watch`: a saved file restarts the replicas of the services that run it (a
 * change in libs/errors: all of them; in apps/cart: cart's), every affected replica at once and
 * each the rolling-update way, so the gateway keeps answering. The embedded databases stay up.
 */
import { appliedMigrations } from '@myshop/db';
import type { Stack } from '../stack.ts';
import { appliedMigrationEdits } from './applied-migration-edits.ts';
import { readWorkspacePackages, ServiceDependencies } from './service-dependencies.ts';
import { watchSources } from './source-watcher.ts';

export interface WatchModeOptions {
  root: string;
  stack: Stack;
  log(message: string): void;
  debounceMs?: number;
}

export interface WatchMode {
  /**
   * Starts no more restarts; resolves once the one under way has ended. Stopping the stack ends it
   * early (its new replicas are stopped with the rest), so the two may run together.
   */
  close(): Promise<void>;
  /** Settles when the restarts for every change seen so far are done (for tests). */
  idle(): Promise<void>;
}

const summary = (files: string[]) =>
  files.length <= 3 ? files.join(', ') : `${files.slice(0, 3).join(', ')} and ${files.length - 3} more`;

export function startWatchMode({ root, stack, log, debounceMs }: WatchModeOptions): WatchMode {
  const dependencies = new ServiceDependencies(readWorkspacePackages(root), [...stack.services.keys()]);
  let closed = false;
  // One batch at a time: saves arriving during a restart make the next batch.
  let queue: Promise<void> = Promise.resolve();

  const restart = async (files: string[]) => {
    if (closed) return;
    const services = dependencies.affectedBy(files);
    await warnOfAppliedMigrationEdits(files);
    // Only packages some running service loads are watched: every batch names one at least.
    log(`${summary(files)} changed: restarting ${services.join(', ')} (all replicas at once, each new one ready before the old one stops)`);
    await Promise.all(
      services.map(async (service) => {
        try {
          // Said as soon as the new replicas serve: the old ones drain afterwards.
          await stack.restartService(service, (readyMs) => log(`${service} serving the new code in ${readyMs} ms`));
        } catch (error) {
          // Cut short by a stop (Ctrl-C): nothing to retry.
          if (closed) return;
          log(`${service} kept its running replicas: the new code did not start (${(error as Error).message}); save again to retry`);
        }
      }),
    );
  };

  const appliedMigrationsOf = async (service: string) => {
    const url = stack.services.get(service)?.databaseUrl;
    return url ? appliedMigrations(url) : [];
  };
  const warnOfAppliedMigrationEdits = async (files: string[]) => {
    try {
      for (const { service, file } of await appliedMigrationEdits(root, files, appliedMigrationsOf)) {
        log(
          `${file} was applied to ${service}'s database before this save, and a migration runs once: this edit will not reach the database. Put the change in a new migration, or stop npm start and delete ${service}'s database folder to migrate afresh`,
        );
      }
    } catch {
      // The database is away (stopped, starting): the restart that follows says so itself.
    }
  };

  const watcher = watchSources({
    root,
    packageDirs: dependencies.watchedPackageDirs,
    debounceMs,
    onChange: (files) => {
      queue = queue.then(() => restart(files));
    },
  });
  log(
    `watching ${dependencies.watchedPackageDirs.length} packages (${dependencies.watchedPackageDirs.join(', ')}): a saved file restarts the services that run it`,
  );

  return {
    async close() {
      closed = true;
      watcher.close();
      await queue;
    },
    idle: () => queue,
  };
}
