/**
 * A Dockerfile read as its build stages: what `--target <name>` builds and what the default
 * (the last stage) is. Enough of the syntax for this repository's files: comments, `\` line
 * continuations, `FROM <image> [AS <name>]`, and each stage's instructions in order.
 */
import { posix } from 'node:path';

export interface Instruction {
  keyword: string;
  args: string;
}

export interface Stage {
  /** The stage's name (`AS dev`), or its index for an unnamed stage. */
  name: string;
  from: string;
  instructions: Instruction[];
}

export function parseStages(text: string): Stage[] {
  const logical = text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const stages: Stage[] = [];
  for (const line of logical) {
    const [, keyword = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    if (keyword.toUpperCase() === 'FROM') {
      const [from = '', as, name] = args.split(/\s+/);
      stages.push({ name: as?.toUpperCase() === 'AS' && name ? name : String(stages.length), from, instructions: [] });
    } else if (stages.length > 0) {
      stages.at(-1)!.instructions.push({ keyword: keyword.toUpperCase(), args });
    }
  }
  return stages;
}

/** The stage a build without `--target` produces. */
export const defaultStage = (stages: Stage[]): Stage => stages.at(-1)!;

export function stageNamed(stages: Stage[], name: string): Stage {
  const found = stages.find((stage) => stage.name === name);
  if (!found) throw new Error(`no stage named ${name} (stages: ${stages.map((stage) => stage.name).join(', ')})`);
  return found;
}

/**
 * The working directory a stage runs in: its own last WORKDIR, else the one of the stage it
 * starts from (stages inherit it), resolved as Docker does (relative to the previous one).
 */
export function workdirOf(stages: Stage[], stage: Stage): string {
  const parent = stages.find((candidate) => candidate.name === stage.from);
  let workdir = parent ? workdirOf(stages, parent) : '/';
  for (const { keyword, args } of stage.instructions) if (keyword === 'WORKDIR') workdir = posix.resolve(workdir, args);
  return workdir;
}

/** The last of an instruction in a stage (CMD, USER…), if any. */
export const lastOf = (stage: Stage, keyword: string): string | undefined =>
  stage.instructions.filter((instruction) => instruction.keyword === keyword).at(-1)?.args;
