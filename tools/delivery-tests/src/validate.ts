/**
 * Schema validation of rendered objects, the way an API server would judge them before storing:
 * types, enums, formats and required fields (kubernetes-models' JSON schemas), and unknown fields
 * (which those schemas let through, and which a server with strict field validation refuses, or
 * silently drops otherwise), checked against the field lists of @kubernetes/client-node's models.
 */
import * as clientModels from '@kubernetes/client-node/dist/gen/models/all.js';
import type { K8sObject } from '@myshop/release';

/**
 * Where the models of each API group live. Core groups come from `kubernetes-models`; a custom
 * resource's group must be listed here (with its package installed) before a manifest may use it.
 */
export const modelPackages: Record<string, string> = {
  '': 'kubernetes-models',
  'argoproj.io': '@kubernetes-models/argo-cd',
  'external-secrets.io': '@kubernetes-models/external-secrets',
  // ServiceMonitor, PrometheusRule (k8s/components/observability).
  'monitoring.coreos.com': '@kubernetes-models/prometheus-operator',
  // Gateway, HTTPRoute (k8s/components/gateway-api): schemas generated from the Gateway API CRDs.
  'gateway.networking.k8s.io': '@kubernetes-models/gateway-api',
  // BackendTrafficPolicy (k8s/components/gateway-api): Envoy Gateway's own resources.
  'gateway.envoyproxy.io': '@kubernetes-models/envoy-gateway',
};

function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.lastIndexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

function modelModule({ apiVersion, kind }: Pick<K8sObject, 'apiVersion' | 'kind'>): string {
  const { group, version } = splitApiVersion(apiVersion);
  // A CRD-defined group may end in .k8s.io too (the Gateway API): a listed package wins.
  if (group === '' || (!modelPackages[group] && (group.endsWith('.k8s.io') || !group.includes('.')))) {
    return group === '' ? `kubernetes-models/${version}/${kind}` : `kubernetes-models/${group}/${version}/${kind}`;
  }
  const pkg = modelPackages[group];
  if (!pkg) throw new Error(`no models for API group ${group} (${kind}): add its @kubernetes-models package to modelPackages`);
  return `${pkg}/${group}/${version}/${kind}`;
}

interface ModelClass {
  new (data: unknown): { validate(): void };
}

/** Validates one object against its kind's schema; returns the problems (none: valid). */
export async function schemaProblems(object: K8sObject): Promise<string[]> {
  const id = `${object.kind}/${object.metadata?.name ?? '?'}`;
  let Model: ModelClass;
  try {
    const module = (await import(modelModule(object))) as Record<string, ModelClass>;
    Model = module[object.kind]!;
    if (!Model) throw new Error(`the module has no ${object.kind}`);
  } catch (error) {
    return [`${id}: no schema for ${object.apiVersion} ${object.kind} (${(error as Error).message})`];
  }
  try {
    new Model(asTheServerReadsIt(object)).validate();
    return [];
  } catch (error) {
    // "data/spec/replicas must be integer": the path from the object's root.
    return [`${id}: ${(error as Error).message.replaceAll(/\bdata(?=\/|\b)/g, '')}`];
  }
}

/**
 * kustomize wraps long base64 values of a Secret's `data` over several lines; the API server's
 * base64 decoder skips line breaks, the schema's "byte" format does not.
 */
function asTheServerReadsIt(object: K8sObject): K8sObject {
  if (object.apiVersion !== 'v1' || object.kind !== 'Secret' || typeof object.data !== 'object' || object.data === null) return object;
  const data = Object.fromEntries(
    Object.entries(object.data as Record<string, string>).map(([key, value]) => [key, value.replaceAll(/[\r\n]/g, '')]),
  );
  return { ...object, data };
}

interface AttributeType {
  baseName: string;
  type: string;
}
interface AttributeModel {
  getAttributeTypeMap(): AttributeType[];
}
const models = clientModels as unknown as Record<string, AttributeModel | undefined>;

/** client-node names the model of `apps/v1` `Deployment` V1Deployment, of `autoscaling/v2` … V2…. */
function rootModelName({ apiVersion, kind }: Pick<K8sObject, 'apiVersion' | 'kind'>): string {
  const { version } = splitApiVersion(apiVersion);
  return `${version.charAt(0).toUpperCase()}${version.slice(1)}${kind}`;
}

/** Whether client-node knows this kind (the built-in API); custom resources it does not. */
export function hasFieldList(object: Pick<K8sObject, 'apiVersion' | 'kind'>): boolean {
  return models[rootModelName(object)] !== undefined;
}

/** Fields that the kind's API does not have, as JSON paths (none: every field is known). */
export function unknownFields(object: K8sObject): string[] {
  const root = rootModelName(object);
  if (!models[root]) throw new Error(`${object.kind}: no field list for ${object.apiVersion} in @kubernetes/client-node`);
  const found: string[] = [];
  walk(object, root, `${object.kind}/${object.metadata?.name ?? '?'}`, found);
  return found;
}

function walk(value: unknown, type: string, path: string, found: string[]): void {
  if (value === null || value === undefined) return;
  const array = /^Array<(.+)>$/.exec(type);
  if (array) {
    if (Array.isArray(value)) value.forEach((item, index) => walk(item, array[1]!, `${path}[${index}]`, found));
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    if (typeof value === 'object') for (const [key, item] of Object.entries(value)) walk(item, map[1]!, `${path}.${key}`, found);
    return;
  }
  const model = models[type];
  // Primitives, IntOrString, free-form objects: nothing to compare field names with.
  if (!model || typeof model.getAttributeTypeMap !== 'function' || typeof value !== 'object' || Array.isArray(value)) return;
  const fields = new Map(model.getAttributeTypeMap().map((attribute) => [attribute.baseName, attribute.type]));
  for (const [key, item] of Object.entries(value)) {
    const fieldType = fields.get(key);
    if (fieldType === undefined) found.push(`${path}.${key}`);
    else walk(item, fieldType, `${path}.${key}`, found);
  }
}
