/**
 * The commands the Markdown pages tell a reader to type must exist: `npm run <script>` a root
 * script, `npm run|start|test -w <workspace>` a script of that workspace, and `nx <target>
 * <project>` a project with that target. A renamed script or project otherwise leaves the pages
 * sending readers to "Missing script".
 */
import { existsSync, readFileSync } from 'node:fs';
import { readJson, repoPath, services, workspaceFolders } from '@myshop/release';
import { describe, expect, it } from 'vitest';
import { markdownPages } from '../src/markdown-pages.ts';

interface Manifest {
  scripts?: Record<string, string>;
}

const root = readJson<Manifest>(repoPath('package.json'));
const workspaces = workspaceFolders();
/** Nx projects by name (project.json), with their folder. */
const projects = new Map(
  workspaces
    .filter((folder) => existsSync(repoPath(folder, 'project.json')))
    .map((folder) => [readJson<{ name: string }>(repoPath(folder, 'project.json')).name, folder] as const),
);

/** What a page tells its reader to type, each as `page: command`, with what is wrong with it. */
function commandProblems(page: string): string[] {
  const text = readFileSync(repoPath(page), 'utf8');
  const problems: string[] = [];
  const scriptsOf = (folder: string) => readJson<Manifest>(repoPath(folder, 'package.json')).scripts ?? {};
  // `<service>` stands for each service.
  const folders = (written: string) =>
    written.includes('<service>') ? services().map((service) => written.replace('<service>', service)) : [written];

  for (const match of text.matchAll(/npm (run ([a-z][\w:-]*)|start|test)(?: -w (\S+?))?(?=[\s`)|]|$)/g)) {
    const script = match[2] ?? match[1]!;
    const workspace = match[3];
    if (workspace === undefined) {
      if (match[2] !== undefined && !(script in (root.scripts ?? {}))) problems.push(`${page}: ${match[0]}: no root script ${script}`);
      continue;
    }
    for (const folder of folders(workspace)) {
      if (!workspaces.includes(folder)) problems.push(`${page}: ${match[0]}: no workspace ${folder}`);
      else if (!(script in scriptsOf(folder))) problems.push(`${page}: ${match[0]}: ${folder} has no script ${script}`);
    }
  }
  for (const match of text.matchAll(/\bnx (test|lint|typecheck|build) ([a-z][\w-]*)/g)) {
    const [command, target, project] = match as unknown as [string, string, string];
    const folder = projects.get(project);
    if (!folder) problems.push(`${page}: ${command}: no project ${project}`);
    else if (!(target in scriptsOf(folder))) problems.push(`${page}: ${command}: ${project} has no ${target} target`);
  }
  return problems;
}

describe('the commands the Markdown pages name', () => {
  it('are found: workspaces and projects', () => {
    expect(workspaces).toEqual(expect.arrayContaining(['apps/cart', 'tools/delivery-tests']));
    expect(projects.get('delivery-tests')).toBe('tools/delivery-tests');
  });

  it('exist: npm scripts at the root and in the workspaces, Nx projects and their targets', () => {
    expect(markdownPages().flatMap(commandProblems)).toEqual([]);
  });
});
