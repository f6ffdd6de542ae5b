/**
 * `npm run chaos:rollout`'s options, read from its arguments. A value that is not a whole number
 * in range throws, for optionsOrExit to name it and exit 2: `Number('three')` is NaN, and the stack
 * ran one replica per service instead, printing passes for a check no one asked for.
 */
import { parseArgs } from 'node:util';
import { FULL } from './checks.ts';

export interface RolloutCliOptions {
  replicas: number;
  ratePerSecond: number;
  shoppers: number;
}

export function rolloutOptions(args: string[]): RolloutCliOptions {
  const { values } = parseArgs({
    args,
    options: {
      replicas: { type: 'string', default: String(FULL.rollout.replicas) },
      rate: { type: 'string', default: String(FULL.rollout.ratePerSecond) },
      shoppers: { type: 'string', default: String(FULL.rollout.shoppers) },
    },
  });
  return {
    // As `npm start -- --replicas` allows.
    replicas: wholeNumber('--replicas', values.replicas, 10),
    ratePerSecond: wholeNumber('--rate', values.rate),
    shoppers: wholeNumber('--shoppers', values.shoppers),
  };
}

/** `text` as a whole number from 1 to `max`, or an error naming the option. */
function wholeNumber(option: string, text: string, max = Number.MAX_SAFE_INTEGER): number {
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(value >= 1 && value <= max)) {
    const range = max === Number.MAX_SAFE_INTEGER ? 'from 1 up' : `from 1 to ${max}`;
    throw new Error(`${option} takes a whole number ${range}, not '${text}'`);
  }
  return value;
}
