import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** A service's migration file, as the watcher names it: `apps/<service>/migrations/<name>.<ext>`. */
const MIGRATION_FILE = /^apps\/([^/]+)\/migrations\/([^/.][^/]*)\.(?:sql|ts|js|mjs|cjs)$/;

export interface AppliedMigrationEdit {
  service: string;
  file: string;
}

/**
 * The saved migration files that the service's database records as applied already. node-pg-migrate
 * runs a migration once and keeps no checksum of it, so the restart that follows the save serves the
 * new code on the old schema without a word. Asked before the restart: a migration saved for the
 * first time is still pending then, and the restart applies it.
 */
export async function appliedMigrationEdits(
  root: string,
  files: string[],
  /** The migrations a service's database records (`appliedMigrations` of @myshop/db). */
  appliedMigrationsOf: (service: string) => Promise<string[]>,
): Promise<AppliedMigrationEdit[]> {
  const savedByService = new Map<string, { file: string; name: string }[]>();
  for (const file of files) {
    const match = MIGRATION_FILE.exec(file);
    // A deleted or renamed file is the start's business: its order check refuses the record.
    if (!match || !existsSync(join(root, file))) continue;
    const [, service, name] = match as unknown as [string, string, string];
    savedByService.set(service, [...(savedByService.get(service) ?? []), { file, name }]);
  }
  const edits = await Promise.all(
    [...savedByService].map(async ([service, saved]) => {
      const applied = new Set(await appliedMigrationsOf(service));
      return saved.filter(({ name }) => applied.has(name)).map(({ file }) => ({ service, file }));
    }),
  );
  return edits.flat();
}
