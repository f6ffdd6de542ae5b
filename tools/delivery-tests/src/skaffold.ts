/** skaffold.yaml read as Skaffold reads it: its configs (modules), and each with a profile applied. */
import { readdirSync, readFileSync } from 'node:fs';
import { readYamlDocuments, repoPath } from '@myshop/release';
import { Ajv, type ErrorObject } from 'ajv';
import { applyPatch, type Operation } from 'rfc6902';

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
    patches?: Operation[];
    activation?: Array<{ command?: string; env?: string; kubeContext?: string }>;
  }>;
}

export function skaffoldConfigs(file = repoPath('skaffold.yaml')): SkaffoldConfig[] {
  return readYamlDocuments(file) as SkaffoldConfig[];
}

/** The config as `skaffold -p <profile>` sees it (no profile: as written). */
export function withProfile(config: SkaffoldConfig, profile?: string): SkaffoldConfig {
  if (!profile) return config;
  const found = config.profiles?.find((candidate) => candidate.name === profile);
  if (!found) throw new Error(`config ${config.metadata?.name} has no profile ${profile}`);
  const patched = structuredClone(config);
  const patches = found.patches ?? [];
  // Skaffold refuses a profile whose patch does not apply; so do we, naming the patch.
  const failures = applyPatch(patched, patches).flatMap((failure, index) =>
    failure ? [`${patches[index]!.op} ${patches[index]!.path}: ${failure.message}`] : [],
  );
  if (failures.length > 0) throw new Error(`config ${config.metadata?.name} profile ${profile}: ${failures.join('; ')}`);
  return patched;
}

const SCHEMAS = repoPath('tools/delivery-tests/schemas');

/** The config version of the Skaffold schema kept in schemas/ (the newest release's): `skaffold/v4beta14`. */
export function skaffoldSchemaVersion(): string {
  const files = readdirSync(SCHEMAS).filter((file) => /^skaffold-v\w+\.json$/.test(file));
  if (files.length !== 1) throw new Error(`${SCHEMAS}: expected one skaffold-<version>.json, found ${files.length}`);
  return `skaffold/${files[0]!.slice('skaffold-'.length, -'.json'.length)}`;
}

let validator: ReturnType<Ajv['compile']> | undefined;

/** Where a config breaks Skaffold's own JSON schema (unknown fields, wrong types), as Skaffold would refuse it. */
export function skaffoldSchemaProblems(config: SkaffoldConfig): string[] {
  if (!validator) {
    const file = `${SCHEMAS}/${skaffoldSchemaVersion().replace('skaffold/', 'skaffold-')}.json`;
    const { $schema: _draft, ...schema } = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    validator = new Ajv({ allErrors: true, strict: false }).compile(schema);
  }
  if (validator(config)) return [];
  // The schema wraps everything in anyOf: its own failure only repeats the ones beneath it.
  return (validator.errors ?? [])
    .filter((error: ErrorObject) => error.keyword !== 'anyOf')
    .map(
      (error: ErrorObject) =>
        `${error.instancePath || '/'} ${error.message}${error.params && 'additionalProperty' in error.params ? ` (${String(error.params.additionalProperty)})` : ''}`,
    );
}
