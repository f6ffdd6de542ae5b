import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCommand } from '../src/cli.ts';

afterEach(() => {
  process.exitCode = undefined;
  vi.restoreAllMocks();
});

describe('runCommand', () => {
  it('turns what the command throws into one line on stderr and exit code 1', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    await runCommand('pin-dev-images', () => {
      throw new Error('not a full commit id (40 lower-case hex digits): abc');
    });
    expect(stderr).toHaveBeenCalledWith('pin-dev-images: not a full commit id (40 lower-case hex digits): abc\n');
    expect(process.exitCode).toBe(1);
  });

  it('leaves a command that succeeds alone', async () => {
    let ran = false;
    await runCommand('pin-dev-images', () => {
      ran = true;
    });
    expect(ran).toBe(true);
    expect(process.exitCode).toBeUndefined();
  });

  it('turns what the awaited command rejects with into one line on stderr and exit code 1', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    await runCommand('images', async () => {
      await Promise.resolve();
      throw new Error('no service nope; the services are cart, payment, user');
    });
    expect(stderr).toHaveBeenCalledWith('images: no service nope; the services are cart, payment, user\n');
    expect(process.exitCode).toBe(1);
  });
});
