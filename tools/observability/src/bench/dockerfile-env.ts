import { DockerfileParser, type From } from 'dockerfile-ast';

/**
 * The environment an image built from this Dockerfile without `--target` starts its process
 * with, as far as the Dockerfile says: every ENV of the last stage and of the stages it is built
 * FROM, in build order, a later one winning. What the base image itself sets (PATH, NODE_VERSION)
 * is not in the file and not here. A value with a `$` is refused: Docker would expand a variable
 * there, which this reader does not, and a wrong value applied silently is worse than none.
 */
export function finalStageEnv(text: string, source: string): Record<string, string> {
  const dockerfile = DockerfileParser.parse(text);
  const froms = dockerfile.getFROMs();
  const last = froms.at(-1);
  if (!last) throw new Error(`${source}: no FROM`);
  const env: Record<string, string> = {};
  for (const stage of stageChain(froms, last)) {
    const image = dockerfile.getContainingImage(stage.getRange().start);
    for (const instruction of image?.getENVs() ?? []) {
      for (const property of instruction.getProperties()) {
        const name = property.getName();
        const value = property.getValue();
        if (value === null) throw new Error(`${source}: ENV ${name} has no value`);
        if (value.includes('$')) throw new Error(`${source}: ENV ${name}=${value} has a $, which this reader does not expand`);
        env[name] = value;
      }
    }
  }
  return env;
}

/** `stage` and the stages it is built from, the first built first (`FROM build AS dev`: build, then dev). */
function stageChain(froms: From[], stage: From): From[] {
  const parentName = stage.getImageName()?.toLowerCase();
  const index = froms.indexOf(stage);
  const parent = froms.slice(0, index).findLast((candidate) => candidate.getBuildStage()?.toLowerCase() === parentName);
  return parent ? [...stageChain(froms, parent), stage] : [stage];
}
