/**
 * Which services a changed file affects, from the workspace packages' own dependencies: the
 * same edges Nx draws between these projects (libraries are real packages that apps depend on
 * by name), read straight from package.json so that no project graph has to be computed.
 */
import { readFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { workspaceFolders } from '@myshop/release';

export interface WorkspacePackage {
  name: string;
  /** Relative to the repository root, e.g. `libs/errors`. */
  dir: string;
  /** Names of the workspace packages it needs at run time (`dependencies`). */
  dependsOn: string[];
}

interface PackageJson {
  name?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

const readPackageJson = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as PackageJson;

/** The packages the root package.json's `workspaces` name (folder globs of the form `dir/*`). */
export function readWorkspacePackages(root: string): WorkspacePackage[] {
  const found = workspaceFolders(root).map((dir) => ({ dir, manifest: readPackageJson(join(root, dir, 'package.json')) }));
  const names = new Set(found.map(({ manifest }) => manifest.name));
  return found
    .filter(({ manifest }) => manifest.name)
    .map(({ dir, manifest }) => ({
      name: manifest.name!,
      dir,
      dependsOn: Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies, ...manifest.peerDependencies }).filter((name) =>
        names.has(name),
      ),
    }));
}

export class ServiceDependencies {
  readonly packages: WorkspacePackage[];
  /** Each service (apps/<name>) with the directories of every package it runs. */
  readonly #closures = new Map<string, Set<string>>();

  constructor(packages: WorkspacePackage[], services: string[]) {
    this.packages = packages;
    const byName = new Map(packages.map((pkg) => [pkg.name, pkg]));
    for (const service of services) {
      const app = packages.find((pkg) => pkg.dir === `apps/${service}`);
      if (!app) throw new Error(`no workspace package in apps/${service}`);
      const dirs = new Set<string>();
      const visit = (pkg: WorkspacePackage) => {
        if (dirs.has(pkg.dir)) return;
        dirs.add(pkg.dir);
        for (const name of pkg.dependsOn) visit(byName.get(name)!);
      };
      visit(app);
      this.#closures.set(service, dirs);
    }
  }

  /** Every package directory some service runs: what is worth watching. */
  get watchedPackageDirs(): string[] {
    return [...new Set([...this.#closures.values()].flatMap((dirs) => [...dirs]))].sort();
  }

  /** The package a file belongs to (the deepest package folder holding it), if any. */
  packageOf(file: string): WorkspacePackage | undefined {
    return this.packages.filter((pkg) => file === pkg.dir || file.startsWith(`${pkg.dir}/`)).sort((a, b) => b.dir.length - a.dir.length)[0];
  }

  /** The services whose replicas run code from any of these files (paths relative to the root). */
  affectedBy(files: Iterable<string>): string[] {
    const dirs = new Set<string>();
    for (const file of files) {
      const pkg = this.packageOf(file.split(sep).join('/'));
      if (pkg) dirs.add(pkg.dir);
    }
    return [...this.#closures]
      .filter(([, closure]) => [...dirs].some((dir) => closure.has(dir)))
      .map(([service]) => service)
      .sort();
  }
}
