/**
 * The Markdown pages of the repository, as written: every `.md` file but those in folders that
 * installs, builds and runs make.
 */
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { repoRoot } from '@myshop/release';

/** Folders of what installs, builds and runs make, not of what is written. */
const NOT_WRITTEN = new Set(['node_modules', '.git', '.nx', '.data', 'dist', 'reports', 'coverage', 'tmp']);

/** Every Markdown page under `folder`, from the repository's root (`docs/performance.md`). */
export function markdownPages(folder = repoRoot): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    if (entry.isDirectory()) return NOT_WRITTEN.has(entry.name) ? [] : markdownPages(join(folder, entry.name));
    return entry.name.endsWith('.md') ? [relative(repoRoot, join(folder, entry.name))] : [];
  });
}
