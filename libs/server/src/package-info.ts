import { readFileSync } from 'node:fs';

export interface PackageInfo {
  version: string;
  description: string;
}

/** A service's version and description, from its package.json (the same file in source and image). */
export function readPackageInfo(packageJsonUrl: URL): PackageInfo {
  const { version, description } = JSON.parse(readFileSync(packageJsonUrl, 'utf8')) as Partial<PackageInfo>;
  return { version: version ?? '0.0.0', description: description ?? '' };
}
