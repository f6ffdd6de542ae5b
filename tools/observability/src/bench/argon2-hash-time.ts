import { argon2, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

/**
 * Run by argon2Limit as a process of its own, with the user service's memory env: prints the
 * fastest of `samples` argon2id hashes, one after the other, in ms. Its own process because
 * malloc's settings (MALLOC_*, GLIBC_TUNABLES) are read once, as a process starts, and decide
 * what each hash's 19 MiB costs.
 */
const argon2Async = promisify(argon2);
const { parameters, samples } = JSON.parse(process.argv[2] ?? '') as {
  parameters: { memory: number; passes: number; parallelism: number; tagLength: number };
  samples: number;
};
let fastest = Infinity;
for (let sample = 0; sample < samples; sample += 1) {
  const started = performance.now();
  await argon2Async('argon2id', { message: 'bench password 1', nonce: randomBytes(16), ...parameters });
  fastest = Math.min(fastest, performance.now() - started);
}
process.stdout.write(`${JSON.stringify({ hashMs: fastest })}\n`);
