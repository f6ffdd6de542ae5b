import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { migrationName } from '@myshop/db';

/** A file in a service's migrations folder, as the watcher names it: `apps/<service>/migrations/<file>`. */
const IN_MIGRATIONS_FOLDER = /^apps\/([^/]+)\/migrations\/([^/]+)$/;

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
    const [, service, fileName] = IN_MIGRATIONS_FOLDER.exec(file) ?? [];
    const name = fileName && migrationName(fileName);
    // A deleted or renamed file is the start's business: its order check refuses the record.
    if (!service || !name || !existsSync(join(root, file))) continue;
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
