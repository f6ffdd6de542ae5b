import type { K8sObject } from '@myshop/release';
/** Typed views of the rendered objects that the checks read: pod templates, containers, ports. */

export interface Probe {
  httpGet?: { path?: string; port: number | string };
  tcpSocket?: { port: number | string };
  exec?: { command: string[] };
  grpc?: { port: number };
  periodSeconds?: number;
  failureThreshold?: number;
}

export interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  runAsGroup?: number;
  privileged?: boolean;
  allowPrivilegeEscalation?: boolean;
  readOnlyRootFilesystem?: boolean;
  capabilities?: { add?: string[]; drop?: string[] };
  seccompProfile?: { type: string };
  procMount?: string;
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name: string; key: string };
    configMapKeyRef?: { name: string; key: string };
    fieldRef?: { fieldPath: string };
  };
}

export interface Container {
  name: string;
  image: string;
  ports?: Array<{ name?: string; containerPort: number; hostPort?: number; protocol?: string }>;
  env?: EnvVar[];
  envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string }; prefix?: string }>;
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: SecurityContext;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  lifecycle?: { preStop?: { sleep?: { seconds: number }; exec?: unknown; httpGet?: unknown } };
}

export interface Volume {
  name: string;
  secret?: { secretName: string; items?: Array<{ key: string; path: string }>; defaultMode?: number };
  configMap?: { name: string };
  emptyDir?: Record<string, unknown>;
  hostPath?: unknown;
  persistentVolumeClaim?: unknown;
  [type: string]: unknown;
}

export interface PodSpec {
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  terminationGracePeriodSeconds?: number;
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  securityContext?: SecurityContext & { fsGroup?: number };
  initContainers?: Container[];
  containers: Container[];
  ephemeralContainers?: Container[];
  volumes?: Volume[];
}

export interface Workload {
  object: K8sObject;
  /** Labels of the pods it makes. */
  podLabels: Record<string, string>;
  pod: PodSpec;
}

const templated = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job']);

/** Everything that runs pods, with its pod template. */
export function workloads(objects: K8sObject[]): Workload[] {
  const found: Workload[] = [];
  for (const object of objects) {
    const spec = object.spec as Record<string, unknown> | undefined;
    let template: { metadata?: { labels?: Record<string, string> }; spec: PodSpec } | undefined;
    if (templated.has(object.kind)) template = spec?.template as typeof template;
    else if (object.kind === 'CronJob')
      template = (spec?.jobTemplate as { spec?: { template?: unknown } })?.spec?.template as typeof template;
    else if (object.kind === 'Pod') template = { metadata: object.metadata, spec: spec as unknown as PodSpec };
    if (template) found.push({ object, podLabels: template.metadata?.labels ?? {}, pod: template.spec });
  }
  return found;
}

export function allContainers(pod: PodSpec): Container[] {
  return [...(pod.initContainers ?? []), ...pod.containers, ...(pod.ephemeralContainers ?? [])];
}

export const byKind = <T = K8sObject>(objects: K8sObject[], kind: string): T[] => objects.filter((object) => object.kind === kind) as T[];

export function find(objects: K8sObject[], kind: string, name: string): K8sObject | undefined {
  return objects.find((object) => object.kind === kind && object.metadata.name === name);
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }>;
}

/** Kubernetes label-selector semantics; an empty selector matches everything. */
export function selects(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!selector) return true;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) if (labels[key] !== value) return false;
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    const has = key in labels;
    if (operator === 'In' && !(has && values.includes(labels[key]!))) return false;
    if (operator === 'NotIn' && has && values.includes(labels[key]!)) return false;
    if (operator === 'Exists' && !has) return false;
    if (operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

/** A container port by name or number, as Services, probes and NetworkPolicies refer to it. */
export function containerPort(pod: PodSpec, port: number | string): number | undefined {
  for (const container of pod.containers) {
    for (const candidate of container.ports ?? []) {
      if (typeof port === 'number' ? candidate.containerPort === port : candidate.name === port) return candidate.containerPort;
    }
  }
  return undefined;
}

/** The decoded values of a rendered Secret (data is base64, stringData is plain). */
export function secretValues(secret: K8sObject): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries((secret.data ?? {}) as Record<string, string>))
    values[key] = Buffer.from(value, 'base64').toString('utf8');
  for (const [key, value] of Object.entries((secret.stringData ?? {}) as Record<string, string>)) values[key] = value;
  return values;
}

/** `name:tag@digest` → parts; a missing tag is what the runtime reads as `latest`. */
export function parseImage(image: string): { name: string; tag?: string; digest?: string } {
  const [withoutDigest, digest] = image.split('@') as [string, string | undefined];
  const slash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  if (colon > slash) return { name: withoutDigest.slice(0, colon), tag: withoutDigest.slice(colon + 1), digest };
  return { name: withoutDigest, digest };
}
