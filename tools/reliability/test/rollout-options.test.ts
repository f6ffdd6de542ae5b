import { describe, expect, it } from 'vitest';
import { FULL } from '../src/checks.ts';
import { rolloutOptions } from '../src/rollout-options.ts';

describe('npm run chaos:rollout options', () => {
  it('defaults to the full check', () => {
    expect(rolloutOptions([])).toEqual({
      replicas: FULL.rollout.replicas,
      ratePerSecond: FULL.rollout.ratePerSecond,
      shoppers: FULL.rollout.shoppers,
    });
  });

  it('takes whole numbers', () => {
    expect(rolloutOptions(['--replicas', '2', '--rate', '60', '--shoppers', '10'])).toEqual({
      replicas: 2,
      ratePerSecond: 60,
      shoppers: 10,
    });
  });

  // A mistyped value is the user's to fix (exit 2 through optionsOrExit), never a run with other
  // numbers than asked for: `--replicas three` ran one replica per service and printed its passes.
  it.each([
    [['--replicas', 'three'], "--replicas takes a whole number from 1 to 10, not 'three'"],
    [['--replicas', '0'], "--replicas takes a whole number from 1 to 10, not '0'"],
    [['--replicas', '11'], "--replicas takes a whole number from 1 to 10, not '11'"],
    [['--rate', 'fifty'], "--rate takes a whole number from 1 up, not 'fifty'"],
    [['--rate', '0'], "--rate takes a whole number from 1 up, not '0'"],
    [['--shoppers', '2.5'], "--shoppers takes a whole number from 1 up, not '2.5'"],
    [['--shoppers', ''], "--shoppers takes a whole number from 1 up, not ''"],
  ])('refuses %j', (args, message) => {
    expect(() => rolloutOptions(args)).toThrow(message);
  });
});
