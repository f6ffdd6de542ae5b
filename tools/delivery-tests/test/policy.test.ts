import { type K8sObject, KUBECTL_INSTALL, render, services } from '@myshop/release';
import { requiredTool, writeReliabilityFigure } from '@myshop/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { componentsUsedBy, environmentCombinations, kustomizations, renderCombination, type Combination } from '../src/kustomizations.ts';
import { databaseEgressProblems, openEgressProblems } from '../src/network.ts';
import {
  availabilityProblems,
  imageTagProblems,
  namespaceProblems,
  probeProblems,
  resourceProblems,
  restrictedPodSecurityProblems,
  serviceAccountProblems,
  shutdownProblems,
  startWaitProblems,
  type ConfigDefaults,
} from '../src/policy.ts';
import { isSecretKey, serviceConfig } from '../src/service-config.ts';
import { byKind, secretValues, workloads } from '../src/workloads.ts';

const kubectl = requiredTool('kubectl', KUBECTL_INSTALL);
const { overlays, environments } = kustomizations();
const combinations = environmentCombinations().map((combination) => [combination.name, combination] as const);
const isProd = (name: string) => name.startsWith('k8s/overlays/prod');
const parts = overlays.filter((dir) => !environments.includes(dir));
/** What `skaffold dev` deploys: not an environment, each a dev overlay with writable sources. */
const innerLoop = overlays.filter((dir) => dir.startsWith('k8s/overlays/inner-loop/'));
/** Whether the database is the in-cluster PostgreSQL (its pods), or else a managed one outside the cluster. */
const inClusterPostgres = ({ environment, components }: Combination) =>
  [...componentsUsedBy(environment), ...components].includes('k8s/components/in-cluster-postgres');

/** Every check below, tallied for the reliability report's `manifest policy` row. */
const tally = { rendered: new Set<string>(), checks: 0, violations: 0 };
function judged(name: string, problems: string[]): string[] {
  tally.rendered.add(name);
  tally.checks += 1;
  tally.violations += problems.length;
  return problems;
}
afterAll(() => {
  writeReliabilityFigure({
    check: 'manifest policy',
    load: `${tally.checks} checks over ${tally.rendered.size} rendered overlays and overlay × component combinations`,
    figure: `${tally.violations} violations`,
    target: '0 violations',
    pass: tally.violations === 0 && tally.checks > 0,
  });
});

/** Each service's config defaults, from its config schema: what a key left out of the manifest means. */
let configDefaults: ConfigDefaults = () => undefined;
beforeAll(async () => {
  const defaults = new Map<string, Record<string, unknown>>();
  for (const service of services()) {
    const { schema } = await serviceConfig(service);
    defaults.set(service, Object.fromEntries(Object.entries(schema.properties).map(([key, property]) => [key, property.default])));
  }
  configDefaults = (container) => defaults.get(container);
});

describe.skipIf(!kubectl.path)(`policy, on every deployable overlay and component combination${kubectl.skipNote}`, () => {
  it.each(combinations)('%s: pods meet the restricted Pod Security Standard, read-only and numeric non-root', (name, combination) => {
    expect(judged(name, restrictedPodSecurityProblems(renderCombination(combination)))).toEqual([]);
  });

  it.each(combinations)('%s: startup, liveness and readiness probes, liveness ≠ readiness', (name, combination) => {
    expect(judged(name, probeProblems(renderCombination(combination)))).toEqual([]);
  });

  it.each(combinations)('%s: CPU and memory requests and limits on every container', (name, combination) => {
    expect(judged(name, resourceProblems(renderCombination(combination)))).toEqual([]);
  });

  it.each(combinations)('%s: no image runs as latest (nor as the local dev tag in prod)', (name, combination) => {
    expect(judged(name, imageTagProblems(renderCombination(combination), isProd(name) ? ['dev'] : []))).toEqual([]);
  });

  it.each(combinations)('%s: no service-account token anywhere', (name, combination) => {
    expect(judged(name, serviceAccountProblems(renderCombination(combination)))).toEqual([]);
  });

  it.each(combinations)(
    "%s: a pod stops within its grace period: preStop, then the app's drain (SHUTDOWN_DELAY_MS + REQUEST_TIMEOUT_MS)",
    (name, combination) => {
      expect(judged(name, shutdownProblems(renderCombination(combination), configDefaults))).toEqual([]);
    },
  );

  it.each(combinations)("%s: a replica's wait for its database at start ends inside its startup probe's window", (name, combination) => {
    expect(judged(name, startWaitProblems(renderCombination(combination), configDefaults))).toEqual([]);
  });

  it.each(combinations)('%s: one namespace, enforcing restricted, holding everything', (name, combination) => {
    expect(judged(name, namespaceProblems(renderCombination(combination)))).toEqual([]);
  });

  it.each([...combinations, ...parts.map((dir) => [dir, dir] as const)])(
    '%s: no egress rule lets PostgreSQL traffic (TCP 5432) go anywhere: each names its peer',
    (name, what) => {
      const objects = typeof what === 'string' ? render(what) : renderCombination(what);
      expect(judged(name, openEgressProblems(objects))).toEqual([]);
    },
  );

  it.each(combinations)(
    "%s: each service sends database traffic to its database only (the in-cluster PostgreSQL's pods, or the managed one's address), which admits exactly the services",
    (name, combination) => {
      const inCluster = inClusterPostgres(combination) ? 'postgres' : undefined;
      expect(judged(name, databaseEgressProblems(renderCombination(combination), { clients: services(), inCluster }))).toEqual([]);
    },
  );

  it.each(innerLoop)('%s (skaffold dev): restricted and read-only too, with probes and resources', (dir) => {
    const objects = render(dir);
    expect(judged(dir, [...restrictedPodSecurityProblems(objects), ...probeProblems(objects), ...resourceProblems(objects)])).toEqual([]);
  });

  it.each(environments)('%s: rolls without losing capacity, a PodDisruptionBudget and an HPA per Deployment', (environment) => {
    expect(judged(environment, availabilityProblems(render(environment), { minReplicas: isProd(environment) ? 3 : 1 }))).toEqual([]);
  });

  it('runs three replicas of each service in prod, scaling on CPU from three', () => {
    const prod = render('k8s/overlays/prod');
    expect(
      byKind(prod, 'Deployment').map((deployment) => [deployment.metadata.name, (deployment.spec as { replicas: number }).replicas]),
    ).toEqual([
      ['cart', 3],
      ['payment', 3],
      ['user', 3],
    ]);
    expect(availabilityProblems(prod, { minReplicas: 3 })).toEqual([]);
  });

  it.each(combinations.filter(([name]) => isProd(name)))(
    '%s: no secret value in plain text: no Secret, no secret in env or ConfigMaps',
    async (_name, combination) => {
      const objects = renderCombination(combination);
      const problems: string[] = [];
      for (const secret of byKind(objects, 'Secret')) {
        // The in-cluster database's dev credentials may ride along only when that component is chosen.
        if (
          combination.components.includes('k8s/components/in-cluster-postgres') &&
          secret.metadata.name.startsWith('postgres-credentials')
        )
          continue;
        problems.push(`Secret/${secret.metadata.name} carries values: ${Object.keys(secretValues(secret)).join(', ')}`);
      }
      const secretKeys = new Set(
        (await Promise.all(services().map(serviceConfig))).flatMap((config) =>
          Object.keys(config.schema.properties).filter((key) => isSecretKey(config, key)),
        ),
      );
      const secretLike = (key: string) => secretKeys.has(key) || (/PASSWORD|SECRET|PRIVATE_KEY/.test(key) && !key.endsWith('_FILE'));
      for (const map of byKind(objects, 'ConfigMap')) {
        for (const key of Object.keys((map.data ?? {}) as Record<string, string>))
          if (secretLike(key)) problems.push(`ConfigMap/${map.metadata.name}: ${key}`);
      }
      for (const { object, pod } of workloads(objects)) {
        for (const container of pod.containers) {
          for (const variable of container.env ?? []) {
            if (secretLike(variable.name) && variable.valueFrom === undefined)
              problems.push(`${object.kind}/${object.metadata.name}: env ${variable.name} has a value`);
          }
        }
      }
      expect(problems).toEqual([]);
    },
  );

  it('finds a PodDisruptionBudget that would hold every node drain while the pods are all unready', () => {
    const prod = structuredClone(render('k8s/overlays/prod'));
    const budget = byKind(prod, 'PodDisruptionBudget').find((candidate) => candidate.metadata.name === 'cart')!;
    delete (budget.spec as { unhealthyPodEvictionPolicy?: string }).unhealthyPodEvictionPolicy;
    expect(availabilityProblems(prod, { minReplicas: 3 })).toEqual([
      'PodDisruptionBudget/cart: unhealthyPodEvictionPolicy is not AlwaysAllow (unready pods would block node drains)',
    ]);
  });

  it('gives the dev overlays generated Secrets, so that they run without any manual step', () => {
    const dev = render('k8s/overlays/dev');
    const secrets = byKind(dev, 'Secret').map((secret) => secret.metadata.name.replace(/-[a-z0-9]{10}$/, ''));
    expect(secrets).toEqual(expect.arrayContaining(['user-secrets', 'cart-secrets', 'payment-secrets', 'postgres-credentials']));
  });

  it.each(overlays)('%s: everything is labelled part-of myshop', (dir) => {
    const unlabelled = render(dir).filter(
      (object: K8sObject) =>
        object.metadata.labels?.['app.kubernetes.io/part-of'] !== 'myshop' && !['Secret', 'ConfigMap', 'Ingress'].includes(object.kind),
    );
    expect(unlabelled.map((object) => `${object.kind}/${object.metadata.name}`)).toEqual([]);
  });
});

describe('the probe check', () => {
  const deployment = (liveness: object, readiness: object): K8sObject => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'cart' },
    spec: {
      template: {
        spec: {
          containers: [{ name: 'cart', startupProbe: liveness, livenessProbe: liveness, readinessProbe: readiness }],
        },
      },
    },
  });

  it('finds liveness and readiness probing the same thing, however differently often or in whatever field order', () => {
    const liveness = { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 10, failureThreshold: 3 };
    expect(
      probeProblems([deployment(liveness, { failureThreshold: 1, periodSeconds: 5, httpGet: { port: 'http', path: '/healthz' } })]),
    ).toEqual(['Deployment/cart container cart: liveness and readiness probe the same thing (a failing dependency would restart the pod)']);
    expect(probeProblems([deployment(liveness, { httpGet: { path: '/readyz', port: 'http' }, periodSeconds: 5 })])).toEqual([]);
  });
});

describe.skipIf(!kubectl.path)(`the start-wait check${kubectl.skipNote}`, () => {
  it("finds a wait for the database that the startup probe would cut short, from the ConfigMap or the schema's default", () => {
    const objects = structuredClone(render('k8s/overlays/prod'));
    expect(startWaitProblems(objects, configDefaults)).toEqual([]);
    const user = objects.find((object) => object.kind === 'Deployment' && object.metadata.name === 'user')!;
    const probe = (
      user.spec as { template: { spec: { containers: Array<{ name: string; startupProbe: { failureThreshold: number } }> } } }
    ).template.spec.containers.find((container) => container.name === 'user')!.startupProbe;
    probe.failureThreshold = 20;
    expect(startWaitProblems(objects, configDefaults)).toEqual([
      "Deployment/user container user: DATABASE_START_WAIT_MS 45000 ms leaves less than 10000 ms of the startup probe's 40000 ms window",
    ]);
    expect(startWaitProblems(objects, (container) => (container === 'user' ? { PORT: 5000 } : configDefaults(container)))).toEqual([
      'Deployment/user container user: DATABASE_START_WAIT_MS is neither set nor defaulted by its config schema',
    ]);
  });
});

describe.skipIf(!kubectl.path)(`the drain check${kubectl.skipNote}`, () => {
  const prod = () => structuredClone(render('k8s/overlays/prod'));
  const configOf = (objects: K8sObject[], service: string) =>
    objects.find(
      (object) =>
        object.kind === 'ConfigMap' &&
        object.metadata.name.startsWith(service) &&
        (object.data as Record<string, string> | undefined)?.REQUEST_TIMEOUT_MS !== undefined,
    )!.data as Record<string, string>;

  it("finds a drain that outlasts the app's deadline or the pod's grace period", () => {
    const objects = prod();
    configOf(objects, 'cart').REQUEST_TIMEOUT_MS = '25000';
    const problems = shutdownProblems(objects, configDefaults);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^Deployment\/cart container cart: the drain \(SHUTDOWN_DELAY_MS 2000 \+ REQUEST_TIMEOUT_MS 25000 ms\) outlasts SHUTDOWN_GRACE_MS 15000 ms$/,
        ),
        expect.stringMatching(
          /^Deployment\/cart container cart: terminationGracePeriodSeconds 30 s does not exceed preStop 5 s \+ the app's shutdown \(27000 ms\)$/,
        ),
      ]),
    );
    expect(problems.every((problem) => problem.startsWith('Deployment/cart '))).toBe(true);
  });

  it("takes a key the manifest leaves out from the service's config schema; a container of no service only needs its preStop to fit", () => {
    const objects = prod();
    const config = configOf(objects, 'payment');
    delete config.SHUTDOWN_DELAY_MS;
    delete config.REQUEST_TIMEOUT_MS;
    delete config.SHUTDOWN_GRACE_MS;
    // The schema defaults (0 + 10000 within 10000) still fit: no problem, and no guess either.
    expect(shutdownProblems(objects, configDefaults)).toEqual([]);
    // A schema without these keys is no ground to guess from.
    expect(shutdownProblems(objects, (container) => (container === 'payment' ? { PORT: 5000 } : configDefaults(container)))).toEqual([
      'Deployment/payment container payment: SHUTDOWN_DELAY_MS, REQUEST_TIMEOUT_MS and SHUTDOWN_GRACE_MS are neither set nor defaulted by its config schema',
    ]);
    const collector = structuredClone(
      renderCombination(combinations.find(([name]) => name === 'k8s/overlays/prod + k8s/components/observability')![1]),
    );
    expect(shutdownProblems(collector, configDefaults)).toEqual([]);
    const deployment = collector.find((object) => object.kind === 'Deployment' && object.metadata.name === 'otel-collector')!;
    (deployment.spec as { template: { spec: { terminationGracePeriodSeconds: number } } }).template.spec.terminationGracePeriodSeconds = 5;
    expect(shutdownProblems(collector, configDefaults)).toEqual([
      'Deployment/otel-collector container otel-collector: terminationGracePeriodSeconds 5 s does not exceed preStop 5 s',
    ]);
  });
});
