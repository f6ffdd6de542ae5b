import { readYamlDocuments, repoPath } from '@myshop/release';
/** skaffold.yaml read as Skaffold reads it: its configs (modules), and each with a profile applied. */

export interface JsonPatchOperation {
  op: 'add' | 'replace' | 'remove';
  path: string;
  value?: unknown;
}

export interface SkaffoldConfig {
  apiVersion: string;
  kind: string;
  metadata?: { name?: string };
  requires?: Array<{ configs?: string[]; path?: string }>;
  build?: {
    tagPolicy?: Record<string, unknown>;
    local?: Record<string, unknown>;
    artifacts?: Array<{
      image: string;
      context?: string;
      docker?: { dockerfile?: string; target?: string };
      sync?: { manual?: Array<{ src: string; dest: string; strip?: string }> };
    }>;
  };
  manifests?: { kustomize?: { paths?: string[] } };
  deploy?: Record<string, unknown>;
  portForward?: Array<{ resourceType: string; resourceName: string; namespace?: string; port: number | string; localPort?: number }>;
  profiles?: Array<{
    name: string;
    patches?: JsonPatchOperation[];
    activation?: Array<{ command?: string; env?: string; kubeContext?: string }>;
  }>;
}

export function skaffoldConfigs(file = repoPath('skaffold.yaml')): SkaffoldConfig[] {
  return readYamlDocuments(file) as SkaffoldConfig[];
}

/** RFC 6902 add, replace and remove (what the profiles use), on a copy. */
export function applyPatches<T>(document: T, patches: JsonPatchOperation[]): T {
  const copy = structuredClone(document) as unknown;
  for (const patch of patches) {
    const segments = patch.path
      .split('/')
      .slice(1)
      .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'));
    const last = segments.pop();
    if (last === undefined) throw new Error(`patch ${patch.op} ${patch.path}: the path is empty`);
    let parent = copy as Record<string, unknown> | unknown[];
    for (const segment of segments) {
      const next = (parent as Record<string, unknown>)[segment];
      if (next === undefined || next === null || typeof next !== 'object')
        throw new Error(`patch ${patch.op} ${patch.path}: ${segment} does not exist`);
      parent = next as Record<string, unknown>;
    }
    const container = parent as Record<string, unknown>;
    if (Array.isArray(parent)) {
      const index = last === '-' ? parent.length : Number(last);
      if (patch.op === 'add') parent.splice(index, 0, patch.value);
      else if (index >= parent.length) throw new Error(`patch ${patch.op} ${patch.path}: no element ${index}`);
      else if (patch.op === 'replace') parent[index] = patch.value;
      else parent.splice(index, 1);
      continue;
    }
    if (patch.op !== 'add' && !(last in container)) throw new Error(`patch ${patch.op} ${patch.path}: ${last} does not exist`);
    if (patch.op === 'remove') delete container[last];
    else container[last] = patch.value;
  }
  return copy as T;
}

/** The config as `skaffold -p <profile>` sees it (no profile: as written). */
export function withProfile(config: SkaffoldConfig, profile?: string): SkaffoldConfig {
  if (!profile) return config;
  const found = config.profiles?.find((candidate) => candidate.name === profile);
  if (!found) throw new Error(`config ${config.metadata?.name} has no profile ${profile}`);
  return applyPatches(config, found.patches ?? []);
}
