import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

export const repoRoot = resolve(import.meta.dirname, '../../..');

/** Nx projects with a vitest suite: every workspace package whose package.json has a `test` script. */
export function projectsWithTests(root = repoRoot): string[] {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { workspaces: string[] };
  const projects: string[] = [];
  for (const pattern of manifest.workspaces) {
    const parent = join(root, pattern.replace(/\/\*$/, ''));
    for (const entry of readdirSync(parent)) {
      const packageFile = join(parent, entry, 'package.json');
      const projectFile = join(parent, entry, 'project.json');
      if (!existsSync(packageFile) || !existsSync(projectFile)) continue;
      const scripts = (JSON.parse(readFileSync(packageFile, 'utf8')) as { scripts?: Record<string, string> }).scripts ?? {};
      if (scripts.test) projects.push((JSON.parse(readFileSync(projectFile, 'utf8')) as { name: string }).name);
    }
  }
  return projects.sort();
}

/** Every file under `dir` whose name ends with one of `extensions`, node_modules and dist skipped. */
export function filesUnder(dir: string, extensions: string[]): string[] {
  if (!existsSync(dir)) return [];
  const found: string[] = [];
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry === 'dist') continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) found.push(...filesUnder(path, extensions));
    else if (extensions.some((extension) => entry.endsWith(extension))) found.push(path);
  }
  return found;
}

export const relativeToRepo = (path: string) => relative(repoRoot, path);
