import { describe, expect, it } from 'vitest';
import { createHashingGate } from '../src/hashing-gate.ts';

/** A hash that ends when the test says so. */
function heldHash() {
  let finish!: (value: string) => void;
  let fail!: (error: Error) => void;
  const result = new Promise<string>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  return { hash: () => result, finish, fail };
}

describe('createHashingGate', () => {
  it('refuses a hash past maxPending with 503 SERVICE_OVERLOADED and Retry-After, without starting it', async () => {
    const gate = createHashingGate(2);
    const [first, second] = [heldHash(), heldHash()];
    const running = [gate.run(first.hash), gate.run(second.hash)];
    let started = false;
    const refused = await gate
      .run(async () => {
        started = true;
        return 'never';
      })
      .catch((error: unknown) => error);
    expect(refused).toMatchObject({ statusCode: 503, code: 'SERVICE_OVERLOADED', headers: { 'retry-after': '1' } });
    expect(started).toBe(false);
    expect(gate.pending).toBe(2);
    first.finish('a');
    second.finish('b');
    expect(await Promise.all(running)).toEqual(['a', 'b']);
    expect(gate.pending).toBe(0);
  });

  it('takes a hash again as soon as one pending ends, whether it succeeded or failed', async () => {
    const gate = createHashingGate(1);
    const failing = heldHash();
    const running = gate.run(failing.hash);
    await expect(gate.run(async () => 'refused')).rejects.toMatchObject({ code: 'SERVICE_OVERLOADED' });
    failing.fail(new Error('argon2 failed'));
    await expect(running).rejects.toThrow('argon2 failed');
    expect(await gate.run(async () => 'taken')).toBe('taken');
    expect(gate.pending).toBe(0);
  });
});
