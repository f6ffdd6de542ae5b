import type { BenchOptions } from './args.ts';
import { failuresText } from './measure.ts';
import { memoryEnvText } from './pod-conditions.ts';
import { ROUTES, type BenchResults, type RouteMeasure } from './results.ts';
import type { TargetVerdict } from './targets.ts';

/** How and where the run happened, printed above the figures. */
export interface RunContext {
  options: BenchOptions;
  loadGenerator: string;
  cores: number;
  loadAverageAtStart: number;
  loadAverageAtEnd: number;
  node: string;
  spansExported: { exports: number; bytes: number };
}

export function formatMs(value: number): string {
  return value >= 10 ? String(Math.round(value)) : value.toFixed(1);
}

/** A Markdown table, numbers right-aligned: the first `left` columns are text. */
export function markdownTable(rows: string[][], left = 2): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const line = (row: string[]) =>
    `| ${row.map((cell, column) => (column < left ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join(' | ')} |`;
  const rule = `|${widths.map((width, column) => (column < left ? `:${'-'.repeat(width + 1)}` : `${'-'.repeat(width + 1)}:`)).join('|')}|`;
  return [line(rows[0]!), rule, ...rows.slice(1).map(line)].join('\n');
}

function row(route: string, who: string, measure: RouteMeasure, share: string, vsOff: string): string[] {
  const { saturated, halfRate } = measure;
  return [
    route,
    who,
    String(saturated.requestsPerSecond),
    formatMs(saturated.p50Ms),
    formatMs(saturated.p99Ms),
    share,
    vsOff,
    String(halfRate.rate),
    formatMs(halfRate.p99Ms),
  ];
}

/** The figures as Markdown tables, then each target `met` or `MISSED`. */
export function renderReport(results: BenchResults, verdicts: TargetVerdict[], context: RunContext): string {
  const { options } = context;
  const rows = [['route', 'measured', 'req/s', 'p50 ms', 'p99 ms', '× yardstick', '÷ off', '½ rate', 'p99 ms']];
  const off = results.modes.find((mode) => mode.mode === 'off');
  for (const route of ROUTES) {
    const yardstick = results.yardsticks[route];
    const base = yardstick.measure.saturated.requestsPerSecond;
    rows.push(row(route, yardstick.name, yardstick.measure, '1.00', ''));
    for (const mode of results.modes) {
      const measure = mode.routes[route];
      const rps = measure.saturated.requestsPerSecond;
      const vsOff = off && mode.mode !== 'off' ? (rps / off.routes[route].saturated.requestsPerSecond).toFixed(2) : '';
      rows.push(row(route, mode.mode, measure, (rps / base).toFixed(2), vsOff));
    }
  }
  const services = Object.keys(results.modes[0]?.memory ?? {});
  const memoryRows = [['mode', ...services]];
  for (const mode of results.modes) {
    memoryRows.push([
      mode.mode,
      ...services.map(
        (service) => `${mode.memory[service]!.rssMb} (${mode.memory[service]!.heapUsedMb}/${mode.memory[service]!.heapTotalMb})`,
      ),
    ]);
  }
  const conditions = results.modes.flatMap((mode) =>
    Object.entries(mode.memory).map(([service, memory]) => `${mode.mode} ${service}: ${memory.conditions}`),
  );
  const { login, roundTrips } = results;
  const { parameters } = login.limit;
  const loginFailures = failuresText(login.saturated);
  return [
    `${context.cores} cores, load average ${context.loadAverageAtStart.toFixed(1)} at the start and ${context.loadAverageAtEnd.toFixed(1)} at the end; node ${context.node}; services from ${options.compiled ? 'dist (as the images)' : 'sources (as npm start)'}`,
    `load generator: autocannon, ${context.loadGenerator}; ${options.connections} connections, ${options.durationSeconds} s per run, best of ${options.rounds} in rotating order`,
    '',
    markdownTable(rows),
    '',
    'RSS in MB after the runs, V8 heap used/total in brackets:',
    '',
    markdownTable(memoryRows, 1),
    '',
    ...conditions.map((line) => `- ${line}`),
    '',
    `POST /user/login (${login.mode}): ${login.saturated.successesPerSecond.toFixed(0)} successful logins/s (p99 ${formatMs(login.saturated.best.p99Ms)} ms)${loginFailures ? `, and answers other than ${login.saturated.status}: ${loginFailures}` : ''}; one argon2id hash (m=${parameters.memory}, t=${parameters.passes}, p=${parameters.parallelism}) takes ${formatMs(login.limit.hashMs)} ms alone (with the user service's ${memoryEnvText(login.limit.env)}; load average ${login.limit.loadAverage.toFixed(1)}), so ${login.limit.cores} cores (${login.limit.coresBasis}) verify at most ${login.limit.loginsPerSecond.toFixed(0)} logins/s`,
    login.cpu
      ? `CPU per login (${login.cpu.logins} logins, read from /proc): argon2 on libuv's pool ${formatMs(login.cpu.hashingMs)} ms, the event loop ${formatMs(login.cpu.eventLoopMs)} ms, the service's other threads ${formatMs(login.cpu.otherThreadsMs)} ms, its PostgreSQL ${formatMs(login.cpu.databaseMs)} ms: ${formatMs(login.cpu.totalMs)} ms in all, so ${login.cpu.cores} cores serve at most ${login.cpu.ceilingPerSecond.toFixed(0)} logins/s at that cost (${(login.cpu.ceilingPerSecond / login.limit.loginsPerSecond).toFixed(2)} of the argon2 limit)`
      : 'CPU per login: not read (no /proc on this machine)',
    `POST /payment/charges: ${roundTrips.roundTrips} database round trips over ${roundTrips.charges} charges (${(roundTrips.roundTrips / roundTrips.charges).toFixed(2)} each), counted on the wire; one charge sends:`,
    ...roundTrips.statements.map((statement) => `    ${statement.replace(/\s+/g, ' ').trim()}`),
    `spans exported to the sink: ${context.spansExported.exports} requests, ${Math.round(context.spansExported.bytes / 1024)} KB`,
    '',
    ...verdicts.map(
      (verdict) =>
        `${verdict.met === undefined ? '-     ' : verdict.met ? 'met   ' : 'MISSED'}  ${verdict.target} ${verdict.goal}: ${verdict.measured}`,
    ),
  ].join('\n');
}

/** reports/bench.json: the same figures, for tools. */
export function reportJson(results: BenchResults, verdicts: TargetVerdict[], context: RunContext) {
  return {
    generatedAt: new Date().toISOString(),
    machine: {
      cpus: context.cores,
      loadAverageAtStart: context.loadAverageAtStart,
      loadAverageAtEnd: context.loadAverageAtEnd,
      node: context.node,
    },
    loadGenerator: context.loadGenerator,
    settings: context.options,
    ...results,
    spansExported: context.spansExported,
    targets: verdicts,
  };
}
