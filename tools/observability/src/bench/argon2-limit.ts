import { argon2, randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { promisify } from 'node:util';

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
  /** One hash, the median of `samples` run one after the other. */
  hashMs: number;
  cores: number;
  /** The most logins per second the machine could verify: every core hashing, nothing else. */
  loginsPerSecond: number;
}

/** Times one hash with these parameters (each alone, median of `samples`): the ceiling of login throughput. */
export async function argon2Limit(parameters: Argon2Parameters, samples = 9): Promise<Argon2Limit> {
  const times: number[] = [];
  for (let sample = 0; sample < samples; sample += 1) {
    const started = performance.now();
    await argon2Async('argon2id', { message: 'bench password 1', nonce: randomBytes(16), ...parameters });
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const hashMs = times[Math.floor(times.length / 2)]!;
  const cores = availableParallelism();
  return { parameters, hashMs, cores, loginsPerSecond: (cores * 1000) / hashMs };
}
