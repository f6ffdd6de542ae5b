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

  it('counts a check that begins two hashes as two, and runs it alone whatever the bound', async () => {
    const gate = createHashingGate(3);
    const [twice, once] = [heldHash(), heldHash()];
    const running = [gate.run(twice.hash, 2), gate.run(once.hash)];
    expect(gate.pending).toBe(3);
    await expect(gate.run(async () => 'refused')).rejects.toMatchObject({ code: 'SERVICE_OVERLOADED' });
    once.finish('once');
    await running[1];
    await expect(gate.run(async () => 'refused', 2)).rejects.toMatchObject({ code: 'SERVICE_OVERLOADED' });
    expect(await gate.run(async () => 'one more')).toBe('one more');
    twice.finish('twice');
    await running[0];
    expect(gate.pending).toBe(0);

    const tight = createHashingGate(1);
    expect(await tight.run(async () => 'alone', 2)).toBe('alone');
    expect(tight.pending).toBe(0);
  });
});
