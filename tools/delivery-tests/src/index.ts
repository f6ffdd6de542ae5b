/**
 * Helpers for tests of the delivery: enumerate the kustomizations, judge the rendered objects,
 * evaluate NetworkPolicies. Rendering itself, the repository's paths and the image names are
 * @myshop/release's, as the release commands use them.
 */
export {
  componentsUsedBy,
  environmentCombinations,
  kustomizations,
  renderCombination,
  renderWithComponents,
  type Combination,
} from './kustomizations.ts';
export {
  admits,
  allows,
  databaseEgressProblems,
  openEgressProblems,
  outsiders,
  podsOf,
  type DatabaseEgressOptions,
  type Endpoint,
} from './network.ts';
export * from './policy.ts';
export { containerEnvironment, isSecretKey, placeholderSecret, readsKey, serviceConfig, type ServiceConfig } from './service-config.ts';
export { ingressBackends, nginxSizeBytes, PROXY_BODY_SIZE, type IngressBackend } from './ingress.ts';
export { skaffoldConfigs, withProfile, type SkaffoldConfig } from './skaffold.ts';
export { hasFieldList, modelPackages, schemaProblems, unknownFields } from './validate.ts';
export {
  allContainers,
  byKind,
  containerPort,
  find,
  parseImage,
  secretValues,
  selects,
  workloads,
  type Container,
  type PodSpec,
  type Workload,
} from './workloads.ts';
