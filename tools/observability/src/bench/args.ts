import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

export type Mode = 'off' | 'on' | 'on-100';

export const MODES: Record<Mode, { label: string; env: (sink: string) => Record<string, string> }> = {
  off: { label: 'telemetry off (metrics only)', env: () => ({}) },
  on: {
    label: 'metrics + tracing, default sampler (10 %)',
    env: (sink) => ({ OTEL_EXPORTER_OTLP_ENDPOINT: sink }),
  },
  'on-100': {
    label: 'metrics + tracing, every trace sampled',
    env: (sink) => ({ OTEL_EXPORTER_OTLP_ENDPOINT: sink, OTEL_TRACES_SAMPLER: 'parentbased_always_on' }),
  },
};

export interface BenchOptions {
  durationSeconds: number;
  rounds: number;
  connections: number;
  modes: Mode[];
  /** Where the JSON report goes: relative to the repository, or an absolute path (reportPath). */
  out: string;
  cpuProf: boolean;
  /**
   * apps/<service>/dist/server.js as the images run them, built first (the default); `--sources`:
   * src/server.ts as `npm start` runs it, which also loads Node's TypeScript stripper (more memory).
   */
  compiled: boolean;
  /** Exit 1 when a target is missed. */
  strict: boolean;
}

export const USAGE = `npm run bench -- [--duration 5] [--rounds 2] [--connections 10] [--modes off,on,on-100] [--out reports/bench.json] [--cpu-prof] [--sources] [--strict]`;

function positiveInteger(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`--${name} must be a whole number of at least 1, not ${JSON.stringify(text)}\n${USAGE}`);
  return value;
}

/** The command line of `npm run bench`, checked: a typo is an error, never a silent default. */
export function parseBenchArgs(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      duration: { type: 'string', default: '5' },
      rounds: { type: 'string', default: '2' },
      connections: { type: 'string', default: '10' },
      modes: { type: 'string', default: 'off,on,on-100' },
      out: { type: 'string', default: 'reports/bench.json' },
      'cpu-prof': { type: 'boolean', default: false },
      // The default; accepted so that a command naming it keeps working.
      compiled: { type: 'boolean', default: false },
      sources: { type: 'boolean', default: false },
      strict: { type: 'boolean', default: false },
    },
  });
  const modes = values.modes.split(',').map((mode) => mode.trim());
  for (const mode of modes) if (!(mode in MODES)) throw new Error(`unknown mode ${JSON.stringify(mode)}: off, on, on-100\n${USAGE}`);
  if (new Set(modes).size !== modes.length) throw new Error(`--modes names a mode twice: ${values.modes}`);
  if (values.compiled && values.sources) throw new Error(`--compiled and --sources: one or the other\n${USAGE}`);
  return {
    durationSeconds: positiveInteger('duration', values.duration),
    rounds: positiveInteger('rounds', values.rounds),
    connections: positiveInteger('connections', values.connections),
    modes: modes as Mode[],
    out: values.out,
    cpuProf: values['cpu-prof'],
    compiled: !values.sources,
    strict: values.strict,
  };
}

/** Where `--out` writes the JSON report: an absolute path as it is, a relative one under the repository. */
export function reportPath(out: string, repository: string): string {
  return resolve(repository, out);
}
