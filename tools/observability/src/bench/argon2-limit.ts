import { execFile } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { UsableCores } from './usable-cores.ts';

const execFileAsync = promisify(execFile);

export interface Argon2Parameters {
  memory: number;
  passes: number;
  parallelism: number;
  tagLength: number;
}

/** The parameters of an argon2id PHC string as the user service stores them (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`). */
export function argon2Parameters(phc: string): Argon2Parameters {
  const match = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$[A-Za-z0-9+/]+\$([A-Za-z0-9+/]+)$/.exec(phc);
  if (!match) throw new Error('not an argon2id PHC string');
  return {
    memory: Number(match[1]),
    passes: Number(match[2]),
    parallelism: Number(match[3]),
    tagLength: Buffer.from(match[4]!, 'base64').length,
  };
}

export interface Argon2Limit {
  parameters: Argon2Parameters;
  /** One hash alone: the fastest of `samples` run one after the other (interference only ever slows one). */
  hashMs: number;
  /** The memory env the hashes ran with: the user service's, since malloc's settings change a hash's cost. */
  env: Record<string, string>;
  /** The hashes the user service can run at once, and why (usableCores). */
  cores: number;
  coresBasis: string;
  /** The load average when the hash was timed: a busy machine makes every figure lower. */
  loadAverage: number;
  /** The most logins per second the service could verify: each usable core hashing, nothing else. */
  loginsPerSecond: number;
}

export interface Argon2LimitSettings {
  /** The user service's memory env (its pod's MALLOC_*, GLIBC_TUNABLES…), which the hashes run with. */
  env?: Record<string, string>;
  samples?: number;
}

/**
 * Times one hash with these parameters, while the bench sends no load, in a process of its own
 * started with the user service's memory env (argon2-hash-time.ts), and divides the cores the
 * user service can hash on by it: the ceiling of its login throughput as deployed.
 */
export async function argon2Limit(
  parameters: Argon2Parameters,
  usable: UsableCores,
  { env: podEnv = {}, samples = 9 }: Argon2LimitSettings = {},
): Promise<Argon2Limit> {
  // NODE_OPTIONS would load the service's own preload; the hash needs none of it.
  const env = Object.fromEntries(Object.entries(podEnv).filter(([key]) => key !== 'NODE_OPTIONS'));
  const { stdout } = await execFileAsync(
    process.execPath,
    [join(import.meta.dirname, 'argon2-hash-time.ts'), JSON.stringify({ parameters, samples })],
    { env: { ...process.env, ...env, NODE_OPTIONS: '' } },
  );
  const { hashMs } = JSON.parse(stdout) as { hashMs: number };
  return {
    parameters,
    hashMs,
    env,
    cores: usable.cores,
    coresBasis: usable.basis,
    loadAverage: loadavg()[0]!,
    loginsPerSecond: (usable.cores * 1000) / hashMs,
  };
}
