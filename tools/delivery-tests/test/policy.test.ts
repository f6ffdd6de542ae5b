import { describe, expect, it } from 'vitest';
import { environmentCombinations, kustomizations, render, renderCombination, type K8sObject } from '../src/kustomize.ts';
import {
  availabilityProblems,
  imageTagProblems,
  namespaceProblems,
  probeProblems,
  resourceProblems,
  restrictedPodSecurityProblems,
  serviceAccountProblems,
  shutdownProblems,
} from '../src/policy.ts';
import { services } from '../src/repo.ts';
import { isSecretKey, serviceConfig } from '../src/service-config.ts';
import { byKind, secretValues, workloads } from '../src/workloads.ts';

const { overlays, environments } = kustomizations();
const combinations = environmentCombinations().map((combination) => [combination.name, combination] as const);
const isProd = (name: string) => name.startsWith('k8s/overlays/prod');

describe('policy, on every deployable overlay and component combination', () => {
  it.each(combinations)('%s: pods meet the restricted Pod Security Standard, read-only and numeric non-root', (_name, combination) => {
    expect(restrictedPodSecurityProblems(renderCombination(combination))).toEqual([]);
  });

  it.each(combinations)('%s: startup, liveness and readiness probes, liveness ≠ readiness', (_name, combination) => {
    expect(probeProblems(renderCombination(combination))).toEqual([]);
  });

  it.each(combinations)('%s: CPU and memory requests and limits on every container', (_name, combination) => {
    expect(resourceProblems(renderCombination(combination))).toEqual([]);
  });

  it.each(combinations)('%s: no image runs as latest (nor as the local dev tag in prod)', (name, combination) => {
    expect(imageTagProblems(renderCombination(combination), isProd(name) ? ['dev'] : [])).toEqual([]);
  });

  it.each(combinations)('%s: no service-account token anywhere', (_name, combination) => {
    expect(serviceAccountProblems(renderCombination(combination))).toEqual([]);
  });

  it.each(combinations)('%s: a pod stops within its grace period: preStop, then the app\'s drain', (_name, combination) => {
    expect(shutdownProblems(renderCombination(combination))).toEqual([]);
  });

  it.each(combinations)('%s: one namespace, enforcing restricted, holding everything', (_name, combination) => {
    expect(namespaceProblems(renderCombination(combination))).toEqual([]);
  });

  it.each(environments)('%s: rolls without losing capacity, a PodDisruptionBudget and an HPA per Deployment', (environment) => {
    expect(availabilityProblems(render(environment), { minReplicas: isProd(environment) ? 3 : 1 })).toEqual([]);
  });

  it('runs three replicas of each service in prod, scaling on CPU from three', () => {
    const prod = render('k8s/overlays/prod');
    expect(byKind(prod, 'Deployment').map((deployment) => [deployment.metadata.name, (deployment.spec as { replicas: number }).replicas])).toEqual([
      ['cart', 3],
      ['payment', 3],
      ['user', 3],
    ]);
    expect(availabilityProblems(prod, { minReplicas: 3 })).toEqual([]);
  });

  it.each(combinations.filter(([name]) => isProd(name)))('%s: no secret value in plain text: no Secret, no secret in env or ConfigMaps', async (_name, combination) => {
    const objects = renderCombination(combination);
    const problems: string[] = [];
    for (const secret of byKind(objects, 'Secret')) {
      // The in-cluster database's dev credentials may ride along only when that component is chosen.
      if (combination.components.includes('k8s/components/in-cluster-postgres') && secret.metadata.name.startsWith('postgres-credentials')) continue;
      problems.push(`Secret/${secret.metadata.name} carries values: ${Object.keys(secretValues(secret)).join(', ')}`);
    }
    const secretKeys = new Set((await Promise.all(services().map(serviceConfig))).flatMap((config) => Object.keys(config.schema.properties).filter((key) => isSecretKey(config, key))));
    const secretLike = (key: string) => secretKeys.has(key) || (/PASSWORD|SECRET|PRIVATE_KEY/.test(key) && !key.endsWith('_FILE'));
    for (const map of byKind(objects, 'ConfigMap')) {
      for (const key of Object.keys((map.data ?? {}) as Record<string, string>)) if (secretLike(key)) problems.push(`ConfigMap/${map.metadata.name}: ${key}`);
    }
    for (const { object, pod } of workloads(objects)) {
      for (const container of pod.containers) {
        for (const variable of container.env ?? []) {
          if (secretLike(variable.name) && variable.valueFrom === undefined) problems.push(`${object.kind}/${object.metadata.name}: env ${variable.name} has a value`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('gives the dev overlays generated Secrets, so that they run without any manual step', () => {
    const dev = render('k8s/overlays/dev');
    const secrets = byKind(dev, 'Secret').map((secret) => secret.metadata.name.replace(/-[a-z0-9]{10}$/, ''));
    expect(secrets).toEqual(expect.arrayContaining(['user-secrets', 'cart-secrets', 'payment-secrets', 'postgres-credentials']));
  });

  it.each(overlays)('%s: everything is labelled part-of myshop', (dir) => {
    const unlabelled = render(dir).filter((object: K8sObject) => object.metadata.labels?.['app.kubernetes.io/part-of'] !== 'myshop' && !['Secret', 'ConfigMap', 'Ingress'].includes(object.kind));
    expect(unlabelled.map((object) => `${object.kind}/${object.metadata.name}`)).toEqual([]);
  });
});
