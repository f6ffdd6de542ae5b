import { parseArgs } from 'node:util';
import { describe, expect, it, vi } from 'vitest';
import { optionsOrExit } from '../src/options-or-exit.ts';

const parse = (args: string[]) => () => parseArgs({ args, options: { only: { type: 'string' } } });

describe('optionsOrExit', () => {
  it('answers the options as parsed', () => {
    expect(optionsOrExit('reliability', 'options: --only', parse(['--only', 'rollout'])).values).toEqual({ only: 'rollout' });
  });

  it('for a mistyped option, writes one line naming it and the options, and exits 2', () => {
    const written: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => written.push(String(chunk)) > 0);
    const exit = vi.spyOn(process, 'exit').mockImplementation((code) => {
      throw new Error(`exit ${code}`);
    });
    expect(() => optionsOrExit('reliability', 'options: --only', parse(['--onyl', 'x']))).toThrow('exit 2');
    expect(exit).toHaveBeenCalledWith(2);
    expect(written).toHaveLength(1);
    expect(written[0]).toMatch(/^reliability: Unknown option '--onyl'.*\(options: --only\)\n$/);
    vi.restoreAllMocks();
  });
});
