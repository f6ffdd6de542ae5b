import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readJson, repoPath, repoRoot, services } from './repo.ts';

/**
 * The files Nx hashes for `project:target`, relative to the repository root, as
 * `nx show target inputs` lists them: while none of them changes, Nx replays the cached run.
 */
export function nxTargetInputFiles(target: string): Set<string> {
  return new Set(nxShowJson<{ files: string[] }>(['target', 'inputs', target]).files);
}

/** The projects Nx counts as `app` or `lib` (`nx show projects --type`), sorted. */
export function nxProjectsOfType(type: 'app' | 'lib'): string[] {
  return nxShowJson<string[]>(['projects', '--type', type]).sort();
}

function nxShowJson<T>(args: string[]): T {
  const nx = spawnSync(process.execPath, [repoPath('node_modules', 'nx', 'dist', 'bin', 'nx.js'), 'show', ...args, '--json'], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, NX_DAEMON: 'false' },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (nx.status !== 0) throw new Error(`nx show ${args.join(' ')} exited ${nx.status}: ${nx.stderr}`);
  return JSON.parse(nx.stdout) as T;
}

/**
 * What the services run, relative to the repository root: each app and every workspace package
 * it depends on (`dependencies`, transitively), their package.json, sources, migrations and data.
 */
export function serviceRuntimeFiles(): string[] {
  const directories = workspacePackageDirectories();
  const reached = new Set<string>();
  const visit = (directory: string) => {
    if (reached.has(directory)) return;
    reached.add(directory);
    const { dependencies = {} } = readJson<{ dependencies?: Record<string, string> }>(repoPath(directory, 'package.json'));
    for (const name of Object.keys(dependencies)) {
      const dependency = directories.get(name);
      if (dependency) visit(dependency);
    }
  };
  for (const service of services()) visit(`apps/${service}`);
  return [...reached].flatMap((directory) => [
    `${directory}/package.json`,
    ...['src', 'migrations', 'data'].flatMap((folder) => filesUnder(`${directory}/${folder}`)),
  ]);
}

/** Workspace package name → its directory (`apps/cart`, `libs/auth`…). */
function workspacePackageDirectories(): Map<string, string> {
  const directories = new Map<string, string>();
  for (const group of ['apps', 'libs', 'tools']) {
    for (const name of readdirSync(repoPath(group))) {
      const directory = `${group}/${name}`;
      if (existsSync(repoPath(directory, 'package.json')))
        directories.set(readJson<{ name: string }>(repoPath(directory, 'package.json')).name, directory);
    }
  }
  return directories;
}

function filesUnder(folder: string): string[] {
  if (!existsSync(repoPath(folder))) return [];
  return readdirSync(repoPath(folder), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(repoRoot.length + 1))
    .filter((file) => !file.split('/').some((part) => ['node_modules', 'dist', '.data'].includes(part)));
}
