/**
 * What the images' build context holds at the repository root: what a build reads (the npm and Nx
 * manifests, tsconfig, the workspaces and docker/). Everything else there stays out (.dockerignore).
 */
export const BUILD_CONTEXT_ROOT = [
  'apps',
  'docker',
  'libs',
  'nx.json',
  'package-lock.json',
  'package.json',
  'tools',
  'tsconfig.base.json',
] as const;
