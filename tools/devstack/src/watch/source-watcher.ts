/**
 * Saved files under the watched package folders, reported in batches: an editor's save, a
 * formatter's rewrite or a `git checkout` fire many events, which become one batch once
 * nothing has changed for `debounceMs`.
 */
import { watch, type FSWatcher } from 'node:fs';
import { readdirSync } from 'node:fs';
import { extname, join } from 'node:path';

/** What a replica loads at run time: code, JSON data, SQL migrations. */
const RUNTIME_EXTENSIONS = new Set(['.ts', '.mts', '.js', '.mjs', '.json', '.sql']);
/** Inside a package but never loaded by a running service. */
const NOT_RUNTIME = new Set(['node_modules', 'dist', 'test', 'coverage', '.nx']);

/** Build and tool configuration beside the sources: read by tsc, Nx and vitest, not by a service. */
const TOOL_CONFIG = /(^|\/)(tsconfig[^/]*\.json|project\.json|vitest\.config\.[cm]?[jt]s|[^/]+\.test\.[cm]?[jt]s)$/;

export function isRuntimeFile(path: string): boolean {
  const segments = path.split('/');
  return RUNTIME_EXTENSIONS.has(extname(path)) && !segments.some((segment) => NOT_RUNTIME.has(segment)) && !TOOL_CONFIG.test(path);
}

export interface SourceWatcherOptions {
  root: string;
  /** Package folders relative to the root, e.g. `apps/cart`, `libs/errors`. */
  packageDirs: string[];
  debounceMs?: number;
  /** Paths relative to the root, each once per batch. */
  onChange(files: string[]): void;
}

export interface SourceWatcher {
  close(): void;
}

/**
 * One recursive fs.watch per top-level folder of each package (src, migrations, data…), plus
 * one on the package folder for its own files: node_modules and build output are never walked,
 * so the inotify watches stay few.
 */
export function watchSources({ root, packageDirs, debounceMs = 150, onChange }: SourceWatcherOptions): SourceWatcher {
  const watchers: FSWatcher[] = [];
  const pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;

  const record = (file: string) => {
    if (!isRuntimeFile(file)) return;
    pending.add(file);
    clearTimeout(timer);
    timer = setTimeout(() => {
      const files = [...pending].sort();
      pending.clear();
      onChange(files);
    }, debounceMs);
  };

  for (const dir of packageDirs) {
    watchers.push(watch(join(root, dir), (_event, name) => name && record(`${dir}/${name}`)));
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      if (!entry.isDirectory() || NOT_RUNTIME.has(entry.name)) continue;
      const sub = `${dir}/${entry.name}`;
      watchers.push(watch(join(root, sub), { recursive: true }, (_event, name) => name && record(`${sub}/${name.split('\\').join('/')}`)));
    }
  }

  return {
    close() {
      clearTimeout(timer);
      for (const watcher of watchers) watcher.close();
    },
  };
}
