import { argon2, randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { promisify } from 'node:util';
import type { UsableCores } from './usable-cores.ts';

const argon2Async = promisify(argon2);

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
  /** The hashes the user service can run at once, and why (usableCores). */
  cores: number;
  coresBasis: string;
  /** The load average when the hash was timed: a busy machine makes every figure lower. */
  loadAverage: number;
  /** The most logins per second the service could verify: each usable core hashing, nothing else. */
  loginsPerSecond: number;
}

/**
 * Times one hash with these parameters in this process, while the bench sends no load, and
 * divides the cores the user service can hash on by it: the ceiling of its login throughput.
 */
export async function argon2Limit(parameters: Argon2Parameters, usable: UsableCores, samples = 9): Promise<Argon2Limit> {
  let hashMs = Infinity;
  for (let sample = 0; sample < samples; sample += 1) {
    const started = performance.now();
    await argon2Async('argon2id', { message: 'bench password 1', nonce: randomBytes(16), ...parameters });
    hashMs = Math.min(hashMs, performance.now() - started);
  }
  return {
    parameters,
    hashMs,
    cores: usable.cores,
    coresBasis: usable.basis,
    loadAverage: loadavg()[0]!,
    loginsPerSecond: (usable.cores * 1000) / hashMs,
  };
}
