import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

export const repoRoot = resolve(import.meta.dirname, '../../..');

/** Nx projects with a vitest suite: every workspace package whose package.json has a `test` script. */
export function projectsWithTests(root = repoRoot): string[] {
  return testProjects(root).map((project) => project.name);
}

/**
 * The projects whose tests write the shared run log (their vitest config is @myshop/vitest-config's).
 * embedded-postgres is the one without: the shared config's global setup is built on it.
 */
export function projectsWithRunLog(root = repoRoot): string[] {
  return testProjects(root)
    .filter((project) => readFileSync(join(project.dir, 'vitest.config.ts'), 'utf8').includes("from '@myshop/vitest-config'"))
    .map((project) => project.name);
}

function testProjects(root: string): Array<{ name: string; dir: string }> {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { workspaces: string[] };
  const projects: Array<{ name: string; dir: string }> = [];
  for (const pattern of manifest.workspaces) {
    const parent = join(root, pattern.replace(/\/\*$/, ''));
    for (const entry of readdirSync(parent)) {
      const packageFile = join(parent, entry, 'package.json');
      const projectFile = join(parent, entry, 'project.json');
      if (!existsSync(packageFile) || !existsSync(projectFile)) continue;
      const scripts = (JSON.parse(readFileSync(packageFile, 'utf8')) as { scripts?: Record<string, string> }).scripts ?? {};
      if (scripts.test)
        projects.push({ name: (JSON.parse(readFileSync(projectFile, 'utf8')) as { name: string }).name, dir: join(parent, entry) });
    }
  }
  return projects.sort((a, b) => a.name.localeCompare(b.name));
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
