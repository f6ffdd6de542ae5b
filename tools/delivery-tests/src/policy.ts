/**
 * Policy checks over rendered manifests. Each returns the problems it found, as sentences naming
 * the object and the field, so that one failing test lists everything to fix at once.
 */
import { isDeepStrictEqual } from 'node:util';
import type { K8sObject } from '@myshop/release';
import {
  allContainers,
  byKind,
  containerPort,
  parseImage,
  selects,
  workloads,
  type LabelSelector,
  type Probe,
  type Workload,
} from './workloads.ts';

const id = (object: K8sObject) => `${object.kind}/${object.metadata.name}`;

/** Volume types the restricted Pod Security Standard allows. */
const RESTRICTED_VOLUME_TYPES = new Set([
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
]);

/**
 * The Pod Security Standard "restricted" (what a namespace labelled enforce: restricted admits),
 * plus two rules of ours: a read-only root filesystem, and a numeric non-root user stated in the
 * manifest (so runAsNonRoot is provable without the image).
 */
export function restrictedPodSecurityProblems(objects: K8sObject[]): string[] {
  const problems: string[] = [];
  for (const { object, pod } of workloads(objects)) {
    const where = id(object);
    const podContext = pod.securityContext ?? {};
    if (pod.hostNetwork || pod.hostPID || pod.hostIPC) problems.push(`${where}: shares a host namespace`);
    for (const volume of pod.volumes ?? []) {
      const type = Object.keys(volume).find((key) => key !== 'name');
      if (!type || !RESTRICTED_VOLUME_TYPES.has(type))
        problems.push(`${where}: volume ${volume.name} is of type ${type}, not allowed when restricted`);
    }
    for (const container of allContainers(pod)) {
      const at = `${where} container ${container.name}`;
      const context = container.securityContext ?? {};
      const runAsNonRoot = context.runAsNonRoot ?? podContext.runAsNonRoot;
      const runAsUser = context.runAsUser ?? podContext.runAsUser;
      const seccomp = context.seccompProfile?.type ?? podContext.seccompProfile?.type;
      if (runAsNonRoot !== true) problems.push(`${at}: runAsNonRoot is not true`);
      if (runAsUser === undefined) problems.push(`${at}: no numeric runAsUser`);
      else if (runAsUser === 0) problems.push(`${at}: runAsUser is 0 (root)`);
      if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost')
        problems.push(`${at}: seccompProfile is ${seccomp ?? 'unset'}, not RuntimeDefault`);
      if (context.privileged) problems.push(`${at}: privileged`);
      if (context.allowPrivilegeEscalation !== false) problems.push(`${at}: allowPrivilegeEscalation is not false`);
      if (!context.capabilities?.drop?.includes('ALL')) problems.push(`${at}: capabilities do not drop ALL`);
      for (const added of context.capabilities?.add ?? [])
        if (added !== 'NET_BIND_SERVICE') problems.push(`${at}: adds capability ${added}`);
      if (context.readOnlyRootFilesystem !== true) problems.push(`${at}: root filesystem is writable`);
      for (const port of container.ports ?? []) if (port.hostPort) problems.push(`${at}: uses hostPort ${port.hostPort}`);
    }
  }
  return problems;
}

/** The same check, however often and patiently it runs, and in whatever order its fields are written. */
const sameProbe = (a: Probe, b: Probe) =>
  isDeepStrictEqual({ ...a, periodSeconds: 0, failureThreshold: 0 }, { ...b, periodSeconds: 0, failureThreshold: 0 });

/** Every long-running container has a startup, a liveness and a readiness probe, liveness ≠ readiness. */
export function probeProblems(objects: K8sObject[]): string[] {
  const problems: string[] = [];
  for (const { object, pod } of workloads(objects)) {
    if (object.kind === 'Job' || object.kind === 'CronJob') continue;
    for (const container of pod.containers) {
      const at = `${id(object)} container ${container.name}`;
      if (!container.startupProbe) problems.push(`${at}: no startupProbe`);
      if (!container.livenessProbe) problems.push(`${at}: no livenessProbe`);
      if (!container.readinessProbe) problems.push(`${at}: no readinessProbe`);
      if (container.livenessProbe && container.readinessProbe && sameProbe(container.livenessProbe, container.readinessProbe)) {
        problems.push(`${at}: liveness and readiness probe the same thing (a failing dependency would restart the pod)`);
      }
    }
  }
  return problems;
}

/** CPU and memory requests, and limits, on every container. */
export function resourceProblems(objects: K8sObject[]): string[] {
  const problems: string[] = [];
  for (const { object, pod } of workloads(objects)) {
    for (const container of allContainers(pod)) {
      const at = `${id(object)} container ${container.name}`;
      for (const kind of ['requests', 'limits'] as const) {
        for (const resource of ['cpu', 'memory']) {
          if (!container.resources?.[kind]?.[resource]) problems.push(`${at}: no ${resource} ${kind}`);
        }
      }
    }
  }
  return problems;
}

/** Images name a tag that is not `latest` (no tag means latest). `forbiddenTags`: e.g. dev in prod. */
export function imageTagProblems(objects: K8sObject[], forbiddenTags: string[] = []): string[] {
  const problems: string[] = [];
  for (const { object, pod } of workloads(objects)) {
    for (const container of allContainers(pod)) {
      const { tag, digest } = parseImage(container.image);
      const at = `${id(object)} container ${container.name}: image ${container.image}`;
      if (!tag && !digest) problems.push(`${at} has no tag (that is latest)`);
      else if (tag === 'latest') problems.push(`${at} is latest`);
      else if (tag && forbiddenTags.includes(tag)) problems.push(`${at} has tag ${tag}, not allowed here`);
    }
  }
  return problems;
}

/** Workloads: their own ServiceAccount, no API token mounted anywhere. */
export function serviceAccountProblems(objects: K8sObject[]): string[] {
  const problems: string[] = [];
  for (const account of byKind(objects, 'ServiceAccount')) {
    if ((account as { automountServiceAccountToken?: boolean }).automountServiceAccountToken !== false)
      problems.push(`${id(account)}: automountServiceAccountToken is not false`);
  }
  for (const { object, pod } of workloads(objects)) {
    if (pod.automountServiceAccountToken !== false) problems.push(`${id(object)}: pod automountServiceAccountToken is not false`);
    if (pod.serviceAccountName && !objects.some((o) => o.kind === 'ServiceAccount' && o.metadata.name === pod.serviceAccountName)) {
      problems.push(`${id(object)}: ServiceAccount ${pod.serviceAccountName} is not in the manifests`);
    }
  }
  return problems;
}

/**
 * Deployments roll without losing capacity and are protected from voluntary disruption:
 * RollingUpdate with maxUnavailable 0, a PodDisruptionBudget selecting their pods that lets unready
 * pods be evicted, an HPA on CPU with at least `minReplicas` replicas.
 */
export function availabilityProblems(objects: K8sObject[], { minReplicas }: { minReplicas: number }): string[] {
  const problems: string[] = [];
  const budgets = byKind(objects, 'PodDisruptionBudget');
  const autoscalers = byKind(objects, 'HorizontalPodAutoscaler');
  for (const deployment of workloads(objects).filter(({ object }) => object.kind === 'Deployment')) {
    const { object, podLabels } = deployment;
    const spec = object.spec as { replicas?: number; strategy?: { type?: string; rollingUpdate?: { maxUnavailable?: number | string } } };
    if (spec.strategy?.type !== 'RollingUpdate' || spec.strategy.rollingUpdate?.maxUnavailable !== 0) {
      problems.push(`${id(object)}: strategy is not RollingUpdate with maxUnavailable: 0`);
    }
    if ((spec.replicas ?? 1) < minReplicas) problems.push(`${id(object)}: ${spec.replicas ?? 1} replicas, fewer than ${minReplicas}`);
    const budget = budgets.find((candidate) => selects((candidate.spec as { selector?: LabelSelector }).selector, podLabels));
    if (!budget) {
      problems.push(`${id(object)}: no PodDisruptionBudget selects its pods`);
    } else if ((budget.spec as { unhealthyPodEvictionPolicy?: string }).unhealthyPodEvictionPolicy !== 'AlwaysAllow') {
      // The default (IfHealthyBudget) evicts a pod that is not ready only while the budget holds:
      // when every replica is unready at once (their database is away, a crash loop), no pod of
      // the Deployment can be evicted and every node drain waits until they are ready again.
      problems.push(`${id(budget)}: unhealthyPodEvictionPolicy is not AlwaysAllow (unready pods would block node drains)`);
    }
    const hpa = autoscalers.find((candidate) => {
      const target = (candidate.spec as { scaleTargetRef?: { kind?: string; name?: string } }).scaleTargetRef;
      return target?.kind === 'Deployment' && target.name === object.metadata.name;
    });
    if (!hpa) {
      problems.push(`${id(object)}: no HorizontalPodAutoscaler`);
      continue;
    }
    const hpaSpec = hpa.spec as { minReplicas?: number; metrics?: Array<{ type: string; resource?: { name: string } }> };
    if ((hpaSpec.minReplicas ?? 1) < minReplicas)
      problems.push(`${id(hpa)}: minReplicas ${hpaSpec.minReplicas ?? 1}, fewer than ${minReplicas}`);
    if (!hpaSpec.metrics?.some((metric) => metric.type === 'Resource' && metric.resource?.name === 'cpu'))
      problems.push(`${id(hpa)}: does not scale on CPU`);
  }
  return problems;
}

/** The value of an environment key of a container, from its env or from a ConfigMap it loads. */
export function envValue(objects: K8sObject[], workload: Workload, container: string, key: string): string | undefined {
  const spec = workload.pod.containers.find((candidate) => candidate.name === container);
  const direct = spec?.env?.find((variable) => variable.name === key);
  if (direct) return direct.value;
  for (const source of spec?.envFrom ?? []) {
    const map = source.configMapRef && objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === source.configMapRef!.name);
    const value = (map?.data as Record<string, string> | undefined)?.[key];
    if (value !== undefined) return value;
  }
  return undefined;
}

/** Config defaults of the service a container runs (its config schema's `default`s), by container name. */
export type ConfigDefaults = (container: string) => Record<string, unknown> | undefined;

/**
 * A stopping pod drains before the kubelet's SIGKILL. After SIGTERM (sent once the preStop sleep
 * has let endpoints drop the pod) the app keeps serving, not ready, for SHUTDOWN_DELAY_MS, then
 * closes its listener and lets the last requests finish, each allowed REQUEST_TIMEOUT_MS: that
 * drain must fit in the app's own deadline (SHUTDOWN_GRACE_MS), and preStop plus that deadline in
 * terminationGracePeriodSeconds. Each value is the container's environment (env or ConfigMap) or
 * else the default of the service's config schema: never a guess. A container that runs none of
 * our services (the OpenTelemetry Collector) has no such settings: its preStop must fit its period.
 */
export function shutdownProblems(objects: K8sObject[], configDefaults: ConfigDefaults): string[] {
  const problems: string[] = [];
  for (const workload of workloads(objects).filter(({ object }) => object.kind === 'Deployment')) {
    const { object, pod } = workload;
    for (const container of pod.containers) {
      const at = `${id(object)} container ${container.name}`;
      const preStop = container.lifecycle?.preStop?.sleep?.seconds;
      if (preStop === undefined) {
        problems.push(`${at}: no preStop sleep (endpoints must be removed before SIGTERM)`);
        continue;
      }
      const period = pod.terminationGracePeriodSeconds ?? 30;
      const defaults = configDefaults(container.name);
      if (!defaults) {
        if (period <= preStop) problems.push(`${at}: terminationGracePeriodSeconds ${period} s does not exceed preStop ${preStop} s`);
        continue;
      }
      const setting = (key: string): number | undefined => {
        const value = envValue(objects, workload, container.name, key) ?? defaults?.[key];
        return value === undefined ? undefined : Number(value);
      };
      const delay = setting('SHUTDOWN_DELAY_MS');
      const requestTimeout = setting('REQUEST_TIMEOUT_MS');
      const grace = setting('SHUTDOWN_GRACE_MS');
      if (delay === undefined || requestTimeout === undefined || grace === undefined) {
        problems.push(
          `${at}: SHUTDOWN_DELAY_MS, REQUEST_TIMEOUT_MS and SHUTDOWN_GRACE_MS are neither set nor defaulted by its config schema`,
        );
        continue;
      }
      const drain = delay + requestTimeout;
      if (drain > grace) {
        problems.push(
          `${at}: the drain (SHUTDOWN_DELAY_MS ${delay} + REQUEST_TIMEOUT_MS ${requestTimeout} ms) outlasts SHUTDOWN_GRACE_MS ${grace} ms`,
        );
      }
      if (period * 1000 <= preStop * 1000 + Math.max(drain, grace)) {
        problems.push(
          `${at}: terminationGracePeriodSeconds ${period} s does not exceed preStop ${preStop} s + the app's shutdown (${Math.max(drain, grace)} ms)`,
        );
      }
    }
  }
  return problems;
}

/** Of the startup probe's window, what a start needs beside its wait for the database: Node, config, migrations. */
const START_MARGIN_MS = 10_000;

/**
 * A replica started while its database is away waits for it (DATABASE_START_WAIT_MS) and then
 * exits saying why. The wait must end inside the startup probe's window (periodSeconds ×
 * failureThreshold) with room for the rest of the start: past it the kubelet kills the container
 * first, and its log ends mid-wait instead of naming the database. The value is the container's
 * environment or else its config schema's default.
 */
export function startWaitProblems(objects: K8sObject[], configDefaults: ConfigDefaults): string[] {
  const problems: string[] = [];
  for (const workload of workloads(objects).filter(({ object }) => object.kind === 'Deployment')) {
    for (const container of workload.pod.containers) {
      const defaults = configDefaults(container.name);
      if (!defaults) continue;
      const at = `${id(workload.object)} container ${container.name}`;
      const wait = Number(envValue(objects, workload, container.name, 'DATABASE_START_WAIT_MS') ?? defaults.DATABASE_START_WAIT_MS);
      if (!Number.isFinite(wait)) {
        problems.push(`${at}: DATABASE_START_WAIT_MS is neither set nor defaulted by its config schema`);
        continue;
      }
      const probe = container.startupProbe;
      if (!probe) continue; // probeProblems names it
      const windowMs = (probe.periodSeconds ?? 10) * (probe.failureThreshold ?? 3) * 1000;
      if (wait + START_MARGIN_MS > windowMs) {
        problems.push(
          `${at}: DATABASE_START_WAIT_MS ${wait} ms leaves less than ${START_MARGIN_MS} ms of the startup probe's ${windowMs} ms window`,
        );
      }
    }
  }
  return problems;
}

/** The namespace admits only restricted pods, and every namespaced object lives in it. */
export function namespaceProblems(objects: K8sObject[]): string[] {
  const problems: string[] = [];
  const namespaces = byKind(objects, 'Namespace');
  if (namespaces.length !== 1) return [`expected one Namespace, found ${namespaces.length}`];
  const namespace = namespaces[0]!;
  if (namespace.metadata.labels?.['pod-security.kubernetes.io/enforce'] !== 'restricted') {
    problems.push(`${id(namespace)}: not labelled pod-security.kubernetes.io/enforce: restricted`);
  }
  for (const object of objects) {
    if (object.kind === 'Namespace') continue;
    if (object.metadata.namespace !== namespace.metadata.name)
      problems.push(`${id(object)}: in namespace ${object.metadata.namespace ?? '(none)'}, not ${namespace.metadata.name}`);
  }
  return problems;
}

export { containerPort };
