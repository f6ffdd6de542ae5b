import { describe, expect, it } from 'vitest';
import { parseBenchArgs, reportPath } from '../../src/bench/args.ts';

describe('parseBenchArgs', () => {
  it('defaults to every mode, two rounds of 5 s, 10 connections, the compiled services, not strict', () => {
    expect(parseBenchArgs([])).toEqual({
      durationSeconds: 5,
      rounds: 2,
      connections: 10,
      modes: ['off', 'on', 'on-100'],
      out: 'reports/bench.json',
      cpuProf: false,
      compiled: true,
      strict: false,
    });
  });

  it('reads a shorter run of some modes, strict', () => {
    expect(parseBenchArgs(['--duration', '3', '--rounds', '1', '--modes', 'off, on', '--strict'])).toMatchObject({
      durationSeconds: 3,
      rounds: 1,
      modes: ['off', 'on'],
      strict: true,
    });
  });

  it('runs the sources with --sources; --compiled is the default, and not both', () => {
    expect(parseBenchArgs(['--sources']).compiled).toBe(false);
    expect(parseBenchArgs(['--compiled']).compiled).toBe(true);
    expect(() => parseBenchArgs(['--compiled', '--sources'])).toThrow(/one or the other/);
  });

  it('refuses an unknown mode, a mode twice, a bad number and an unknown option', () => {
    expect(() => parseBenchArgs(['--modes', 'off,of'])).toThrow(/unknown mode "of"/);
    expect(() => parseBenchArgs(['--modes', 'on,on'])).toThrow(/names a mode twice/);
    expect(() => parseBenchArgs(['--duration', '0'])).toThrow(/--duration must be a whole number/);
    expect(() => parseBenchArgs(['--rounds', 'two'])).toThrow(/--rounds must be a whole number/);
    expect(() => parseBenchArgs(['--strcit'])).toThrow(/Unknown option/);
  });
});

describe('reportPath', () => {
  it('writes a relative --out under the repository and an absolute one where it names', () => {
    expect(reportPath('reports/bench.json', '/repo')).toBe('/repo/reports/bench.json');
    expect(reportPath('/tmp/runs/bench.json', '/repo')).toBe('/tmp/runs/bench.json');
  });
});
