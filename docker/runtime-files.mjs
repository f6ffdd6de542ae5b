#!/usr/bin/env node
/**
 * Lays out under <outDir> exactly what apps/<service> runs with, nothing more. Two steps, one per
 * image stage:
 *
 *   node docker/runtime-files.mjs deps <service> <outDir>
 *     After `npm ci --omit=dev --omit=optional`: copies the third-party packages that the service
 *     reaches through `dependencies` (and installed optional or peer dependencies), resolved the
 *     way Node resolves them, to the same places under <outDir>. npm's `--workspace` filter still
 *     installs every workspace's dependencies (vitest, for @myshop/testing), and a package that
 *     two workspaces need in different versions sits in a workspace's own node_modules: walking
 *     the tree from the service gets both right.
 *
 *   node docker/runtime-files.mjs workspace <service> <outDir>
 *     After the build: the service and every workspace package it depends on, each as its
 *     package.json plus the entries of its `files` field (what npm would publish: dist, and
 *     migrations for a service), and node_modules/<name> links to them as npm makes.
 *
 * Files that never run are left out: type declarations (and @types packages), source maps,
 * markdown, build info. Fails naming what is missing: an unbuilt package, an uninstalled dependency.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, symlinkSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const [command, service, outArg] = process.argv.slice(2);
if (!['deps', 'workspace'].includes(command) || !service || !outArg) {
  process.stderr.write('usage: node docker/runtime-files.mjs deps|workspace <service> <outDir>\n');
  process.exit(2);
}
const root = process.cwd();
const out = resolve(outArg);
const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));

/** Read by compilers, editors and people, never by Node at run time. */
const notRunTime = /(\.d\.[cm]?ts|\.map|\.tsbuildinfo|\.md|\.markdown)$/i;
const runs = (path) => !notRunTime.test(path);

/** name → directory (relative to the root) of every workspace package, from the root's globs. */
function workspacePackages() {
  const byName = new Map();
  for (const pattern of readJson(join(root, 'package.json')).workspaces ?? []) {
    if (!pattern.endsWith('/*')) throw new Error(`unsupported workspace pattern ${pattern}`);
    const parent = pattern.slice(0, -2);
    if (!existsSync(join(root, parent))) continue;
    for (const entry of readdirSync(join(root, parent), { withFileTypes: true })) {
      const manifest = join(root, parent, entry.name, 'package.json');
      if (entry.isDirectory() && existsSync(manifest)) byName.set(readJson(manifest).name, join(parent, entry.name));
    }
  }
  return byName;
}

/** The service and its workspace dependencies, transitively (directories relative to the root). */
function workspaceClosure() {
  const packages = workspacePackages();
  const start = join('apps', service);
  if (![...packages.values()].includes(start)) throw new Error(`no workspace package at ${start}`);
  const closure = new Set([start]);
  for (const dir of closure) {
    for (const name of Object.keys(readJson(join(root, dir, 'package.json')).dependencies ?? {})) {
      const dependency = packages.get(name);
      if (dependency) closure.add(dependency);
    }
  }
  return [...closure].sort();
}

/** Node's lookup: <dir>/node_modules/<name>, then each parent's, up to the root. */
function resolvePackage(fromDir, name) {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate);
    if (dir === root || dirname(dir) === dir) return undefined;
  }
}

function copyDependencies() {
  const workspaces = new Set(workspaceClosure().map((dir) => join(root, dir)));
  const reached = new Set();
  const queue = [...workspaces];
  for (const dir of queue) {
    const manifest = readJson(join(dir, 'package.json'));
    const optional = new Set([
      ...Object.keys(manifest.optionalDependencies ?? {}),
      ...Object.entries(manifest.peerDependenciesMeta ?? {})
        .filter(([, meta]) => meta?.optional)
        .map(([name]) => name),
    ]);
    const names = new Set([
      ...Object.keys(manifest.dependencies ?? {}),
      ...Object.keys(manifest.optionalDependencies ?? {}),
      ...Object.keys(manifest.peerDependencies ?? {}),
    ]);
    for (const name of names) {
      if (name.startsWith('@types/')) continue;
      const found = resolvePackage(dir, name);
      if (!found) {
        if (optional.has(name)) continue;
        throw new Error(`${relative(root, dir) || '.'} needs ${name}, which is not installed`);
      }
      if (workspaces.has(found) || reached.has(found)) continue;
      reached.add(found);
      queue.push(found);
    }
  }
  for (const dir of [...reached].sort()) {
    const target = join(out, relative(root, dir));
    // A package's own node_modules holds other packages: each is copied if it was reached.
    cpSync(dir, target, { recursive: true, filter: (path) => !relative(dir, path).split(sep).includes('node_modules') && runs(path) });
  }
  process.stdout.write(`${reached.size} third-party packages for ${service}\n`);
}

function copyWorkspaces() {
  for (const dir of workspaceClosure()) {
    const manifest = readJson(join(root, dir, 'package.json'));
    const files = manifest.files;
    if (!Array.isArray(files) || files.length === 0) throw new Error(`${dir}/package.json has no "files": say what runs`);
    mkdirSync(join(out, dir), { recursive: true });
    cpSync(join(root, dir, 'package.json'), join(out, dir, 'package.json'));
    for (const entry of files) {
      const from = join(root, dir, entry);
      if (!existsSync(from)) throw new Error(`${dir}/${entry} is missing (was ${dir} built?)`);
      cpSync(from, join(out, dir, entry), { recursive: true, filter: runs });
    }
    const link = join(out, 'node_modules', manifest.name);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(relative(dirname(link), join(out, dir)), link);
    process.stdout.write(`${manifest.name} → ${dir} (${files.join(', ')})\n`);
  }
}

if (command === 'deps') copyDependencies();
else copyWorkspaces();
