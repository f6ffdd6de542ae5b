/**
 * What the release commands stand on, for the delivery tests to judge the same way: the
 * repository, its manifests rendered, the image names, the Docker engine, and the addresses a
 * release must not ship with.
 */
export { readJson, readYamlDocuments, repoPath, repoRoot, services, workspaceFolders } from './repo.ts';
export { assertKubectl, KUBECTL_INSTALL, render, type K8sObject } from './kustomize.ts';
export { IMAGE_REPOSITORY, imageName, setImageEntry } from './images.ts';
export {
  assertImagePresent,
  baseImageOf,
  buildImage,
  devImage,
  docker,
  dockerfileOf,
  dockerEngineForTests,
  dockerRun,
  inspectImage,
  megabytes,
  type ImageInfo,
} from './docker.ts';
export { inCidr, parseCidr, placeholderAddressProblems } from './addresses.ts';
export { nxProjectsOfType, nxTargetInputFiles, serviceRuntimeFiles } from './nx-inputs.ts';
