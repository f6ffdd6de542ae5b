/**
 * Saved files under the watched package folders, reported in batches: an editor's save, a
 * formatter's rewrite or a `git checkout` fire many events, which become one batch once
 * nothing has changed for `debounceMs`.
 */
import { readdirSync, statSync, watch, type Dirent, type FSWatcher } from 'node:fs';
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
 * One fs.watch per folder of each package, never recursive, and never on a file: Node's recursive
 * watch on Linux watches every file by its inode, so a file replaced by a rename (an editor's
 * atomic save, `sed -i`, a `git checkout`) was reported once and then never again. A folder's
 * watch names every file saved, created or renamed into it. node_modules and build output are
 * never walked, so the inotify watches stay few.
 */
export function watchSources({ root, packageDirs, debounceMs = 150, onChange }: SourceWatcherOptions): SourceWatcher {
  const watchers = new Map<string, FSWatcher>();
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

  /** `dir` (relative to the root) and every folder below it that a service may load from. */
  const watchFolder = (dir: string) => {
    if (watchers.has(dir)) return;
    const entries = entriesOf(join(root, dir));
    if (!entries) return;
    const watcher = watch(join(root, dir), (_event, name) => {
      if (!name) return;
      const path = `${dir}/${name}`;
      // A folder created (or moved in) later: its files count from now on, and any already in it.
      if (isFolder(join(root, path)) && !NOT_RUNTIME.has(name)) {
        watchFolder(path);
        for (const file of filesBelow(root, path)) record(file);
      } else record(path);
    });
    // A watched folder removed: its watch ends with it.
    watcher.on('error', () => {
      watcher.close();
      watchers.delete(dir);
    });
    watchers.set(dir, watcher);
    for (const entry of entries) if (entry.isDirectory() && !NOT_RUNTIME.has(entry.name)) watchFolder(`${dir}/${entry.name}`);
  };

  for (const dir of packageDirs) watchFolder(dir);

  return {
    close() {
      clearTimeout(timer);
      for (const watcher of watchers.values()) watcher.close();
      watchers.clear();
    },
  };
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The files below `dir` (relative to the root), outside what a service never loads. */
function filesBelow(root: string, dir: string): string[] {
  return (entriesOf(join(root, dir)) ?? []).flatMap((entry) => {
    if (NOT_RUNTIME.has(entry.name)) return [];
    const path = `${dir}/${entry.name}`;
    return entry.isDirectory() ? filesBelow(root, path) : [path];
  });
}

/** A folder's entries; none when it is gone again already (a checkout's temporary folder). */
function entriesOf(path: string): Dirent[] | undefined {
  try {
    return readdirSync(path, { withFileTypes: true });
  } catch {
    return undefined;
  }
}
