/**
 * Helpers for tests of the delivery (the reliability policies and the observability component
 * build on them): render kustomizations, judge the objects, evaluate NetworkPolicies.
 */
export { assertKubectl, componentsUsedBy, environmentCombinations, kustomizations, render, renderCombination, renderWithComponents, type Combination, type K8sObject } from './kustomize.ts';
export { admits, allows, databaseEgressProblems, openEgressProblems, outsiders, parseCidr, placeholderAddressProblems, podsOf, type DatabaseEgressOptions, type Endpoint } from './network.ts';
export * from './policy.ts';
export { readJson, readYamlDocuments, repoPath, repoRoot, services } from './repo.ts';
export { containerEnvironment, isSecretKey, placeholderSecret, readsKey, serviceConfig, type ServiceConfig } from './service-config.ts';
export { ingressBackends, nginxSizeBytes, PROXY_BODY_SIZE, type IngressBackend } from './ingress.ts';
export { applyPatches, skaffoldConfigs, withProfile, type SkaffoldConfig } from './skaffold.ts';
export { hasFieldList, modelPackages, schemaProblems, unknownFields } from './validate.ts';
export { allContainers, byKind, containerPort, find, parseImage, secretValues, selects, workloads, type Container, type PodSpec, type Workload } from './workloads.ts';
