import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

/** The repository root: apps/, k8s/, docker/, skaffold.yaml, .github/. */
export const repoRoot = resolve(import.meta.dirname, '../../..');

export const repoPath = (...segments: string[]): string => join(repoRoot, ...segments);

/** Every service: an app with a `src/server.ts` (the rule `npm start` follows too). */
export function services(): string[] {
  return readdirSync(repoPath('apps'))
    .filter((name) => existsSync(repoPath('apps', name, 'src', 'server.ts')))
    .sort();
}

/** All YAML documents of a file, as plain data; a syntax error throws naming the file. */
export function readYamlDocuments(path: string): unknown[] {
  const documents = parseAllDocuments(readFileSync(path, 'utf8'));
  for (const document of documents) {
    if (document.errors.length > 0) throw new Error(`${path}: ${document.errors[0]!.message}`);
  }
  return documents.map((document) => document.toJS() as unknown).filter((value) => value !== null);
}

/**
 * The workspace folders the root package.json names (`apps/cart`…, its globs being of the form
 * `dir/*`), each one holding a package.json, relative to `root`.
 */
export function workspaceFolders(root = repoRoot): string[] {
  const { workspaces = [] } = readJson<{ workspaces?: string[] }>(join(root, 'package.json'));
  return workspaces.flatMap((pattern) => {
    const parent = pattern.endsWith('/*') ? pattern.slice(0, -2) : undefined;
    const folders =
      parent === undefined
        ? [pattern]
        : existsSync(join(root, parent))
          ? readdirSync(join(root, parent)).map((name) => `${parent}/${name}`)
          : [];
    return folders.filter((folder) => existsSync(join(root, folder, 'package.json')));
  });
}

export function readJson<T = unknown>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}
