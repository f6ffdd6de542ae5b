/**
 * `npm run bench`: what the services cost against fair yardsticks, what their telemetry costs,
 * and whether the performance targets are met (docs/performance.md).
 *
 * Starts the three services once per telemetry mode (off, tracing at the default sampler, every
 * trace sampled), each on its own embedded PostgreSQL, in a memory cgroup with its Deployment's
 * limit where the machine allows; then the yardsticks: a bare Fastify answering the catalogue's
 * very bytes (the same page) and a bare Fastify + pg + jose app doing each database route's own
 * statements (the bare peer). Each route is measured for every contender one after the other, in
 * rotating order, best of `--rounds` saturating runs, then held at half that rate (the lowest p99
 * of `--rounds` runs);
 * then login against the argon2 limit, round trips per charge on the wire, RSS per service. The
 * load generator runs in its own process, niced and pinned. Prints the tables and each target
 * met or MISSED (exit 1 on a miss with `--strict`), and writes reports/bench.json.
 *
 *   npm run bench                       the services built and run as the images run them (dist);
 *                                       about 9 minutes on 2 cores
 *   npm run bench -- --duration 3 --rounds 1 --modes off,on
 *   npm run bench -- --cpu-prof         V8 CPU profiles of the services (reports/profiles)
 *   npm run bench -- --sources          the services from their TypeScript, as `npm start` runs them
 */
import { once } from 'node:events';
import { setTimeout } from 'node:timers/promises';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { repoRoot } from '../observability-files.ts';
import { argon2Limit, argon2Parameters } from './argon2-limit.ts';
import { MODES, parseBenchArgs, reportPath, USAGE } from './args.ts';
import { startYardsticks, type Yardsticks } from './baselines.ts';
import { buildServices } from './build-services.ts';
import { startHelper } from './helpers.ts';
import { startLoadGenerator } from './load.ts';
import { loginCpu, readLoginCpu } from './login-cpu.ts';
import { measureRoute, measureSuccesses, type MeasureSettings } from './measure.ts';
import { serviceMemory } from './memory.ts';
import { podEnvText } from './pod-conditions.ts';
import { renderReport, reportJson, type RunContext } from './report.ts';
import { ROUTES, type BenchResults, type ModeResults, type Route, type RouteMeasure, type Yardstick } from './results.ts';
import { countChargeRoundTrips } from './round-trips.ts';
import { startMode, stopMode, type ModeSettings, type RunningMode } from './services.ts';
import { anyMissed, judgeTargets } from './targets.ts';
import { processCpuBounds, usableCores } from './usable-cores.ts';

const say = (message: string) => process.stderr.write(`[bench] ${message}\n`);
/** Long enough for the logins in flight as the load stops (one per connection, a hash of ~30 ms each) to finish. */
const LOGIN_QUEUE_DRAIN_MS = 1000;

// A mistyped option is one line and the usage, not a stack trace.
const options = (() => {
  try {
    return parseBenchArgs(process.argv.slice(2));
  } catch (error) {
    const { message } = error as Error;
    process.stderr.write(`bench: ${message.includes(USAGE) ? message : `${message}\n${USAGE}`}\n`);
    return process.exit(2);
  }
})();
const cores = availableParallelism();
// Read before the build below, whose load is the bench's own.
const loadAtStart = loadavg()[0]!;
if (loadAtStart > cores * 0.75)
  say(`load average ${loadAtStart.toFixed(1)} on ${cores} cores: something else is running, the numbers will be lower than they should`);
if (options.compiled) buildServices(say);

const dataDir = mkdtempSync(join(tmpdir(), 'myshop-bench-'));
// As root, each embedded PostgreSQL runs as its own user and must get through.
chmodSync(dataDir, 0o755);
const logDir = join(dataDir, 'logs');
mkdirSync(logDir);
const measureSettings: MeasureSettings = {
  connections: options.connections,
  durationSeconds: options.durationSeconds,
  rounds: options.rounds,
  warmupSeconds: 2,
};

const load = await startLoadGenerator();
const sink = await startHelper('span-sink.ts');
const running: RunningMode[] = [];
let yardsticks: Yardsticks | undefined;
let exitCode = 0;
try {
  say(`load generator: autocannon, ${load.placement}`);
  const settings: ModeSettings = {
    dataDir,
    logDir,
    sinkUrl: `http://127.0.0.1:${sink.port}`,
    profileDir: options.cpuProf ? join(repoRoot, 'reports/profiles') : undefined,
    compiled: options.compiled,
  };
  for (const mode of options.modes) {
    say(`starting the services, ${mode}: ${MODES[mode].label}`);
    running.push(await startMode(mode, settings));
  }
  const first = running[0]!;
  // The same in every mode: said once, before any figure depends on it.
  for (const [service, { pod, placement }] of Object.entries(first.services)) {
    const cgroup =
      'cgroup' in placement ? `memory cgroup of ${pod.limitBytes / 1_048_576} MiB` : `no memory cgroup (${placement.unavailable})`;
    say(`  ${service} as in its pod: ${cgroup}; ${podEnvText(pod)}`);
  }
  yardsticks = await startYardsticks(first, dataDir);
  say(
    `yardsticks: the same page (${yardsticks.samePage.bytes} bytes, ${yardsticks.samePage.contentType}) and the bare peer on the ${first.mode} databases`,
  );
  say(`${options.connections} connections, ${options.durationSeconds} s per run, best of ${options.rounds} in rotating order`);

  const measured = new Map<string, RouteMeasure>();
  const yardstickResults = {} as Record<Route, Yardstick>;
  for (const route of ROUTES) {
    const yardstick = yardsticks.targets[route];
    const contenders = [
      { name: yardstick.name, target: yardstick.target },
      ...running.map((mode) => ({ name: mode.mode, target: mode.targets[route] })),
    ];
    const measures = await measureRoute(route, contenders, load, measureSettings);
    yardstickResults[route] = { name: yardstick.name, measure: measures.get(yardstick.name)! };
    for (const mode of running) measured.set(`${mode.mode} ${route}`, measures.get(mode.mode)!);
    say(
      `  ${route.padEnd(22)} ${contenders.map((contender) => `${contender.name} ${measures.get(contender.name)!.saturated.requestsPerSecond}`).join(', ')} req/s`,
    );
  }

  // The hash first, while nothing runs: timed after the logins it would share the cores with the
  // hashes the user service still has queued when the load stops.
  say(`one argon2 hash, then POST /user/login (${first.mode}), counting its 200s`);
  const userCpuBounds = processCpuBounds(first.services.user.process.pid);
  const limit = await argon2Limit(argon2Parameters(await storedPasswordHash(first)), usableCores(userCpuBounds), {
    env: first.services.user.pod.env,
  });
  const loginCpuAt = () => readLoginCpu(first.services.user.process.pid, first.services.user.database.keeperPid);
  const cpuBefore = loginCpuAt();
  const loginSaturated = await measureSuccesses(first.login, 200, load, measureSettings);
  // The hashes still queued when the load stopped finish first: their CPU belongs to the stretch.
  await setTimeout(LOGIN_QUEUE_DRAIN_MS);
  const cpuAfter = loginCpuAt();
  const login = {
    mode: first.mode,
    saturated: loginSaturated,
    limit,
    ...(cpuBefore && cpuAfter && loginSaturated.successes > 0
      ? {
          cpu: loginCpu(
            cpuBefore,
            cpuAfter,
            loginSaturated.successes,
            Math.min(userCpuBounds.cpusAllowed, userCpuBounds.quotaCores ?? Infinity),
          ),
        }
      : {}),
  };

  say('round trips per charge');
  const roundTrips = await countChargeRoundTrips(first, settings);

  const modes: ModeResults[] = [];
  for (const mode of running) {
    const memory: ModeResults['memory'] = {};
    for (const [service, runningService] of Object.entries(mode.services)) memory[service] = await serviceMemory(runningService);
    modes.push({
      mode: mode.mode,
      label: MODES[mode.mode].label,
      routes: Object.fromEntries(ROUTES.map((route) => [route, measured.get(`${mode.mode} ${route}`)!])) as Record<Route, RouteMeasure>,
      memory,
    });
  }
  sink.child.send({ type: 'stats' });
  const [spansExported] = (await once(sink.child, 'message')) as [{ exports: number; bytes: number }];

  const results: BenchResults = { yardsticks: yardstickResults, modes, login, roundTrips };
  const verdicts = judgeTargets(results);
  const context: RunContext = {
    options,
    loadGenerator: load.placement,
    cores,
    loadAverageAtStart: loadAtStart,
    loadAverageAtEnd: loadavg()[0]!,
    node: process.version,
    spansExported: { exports: spansExported.exports, bytes: spansExported.bytes },
  };
  process.stdout.write(`${renderReport(results, verdicts, context)}\n`);
  const out = reportPath(options.out, repoRoot);
  mkdirSync(join(out, '..'), { recursive: true });
  writeFileSync(out, `${JSON.stringify(reportJson(results, verdicts, context), null, 2)}\n`);
  say(`written ${out}`);
  if (options.strict && anyMissed(verdicts)) {
    say('--strict: a target was missed');
    exitCode = 1;
  }
} finally {
  await yardsticks?.stop();
  for (const mode of running) await stopMode(mode);
  await sink.stop();
  await load.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
process.exitCode = exitCode;

/** The shopper's password hash as the user service stored it: its parameters are the service's own. */
async function storedPasswordHash(mode: RunningMode): Promise<string> {
  const client = new pg.Client({ connectionString: mode.services.user.database.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ password_hash: string }>('SELECT password_hash FROM users WHERE email = $1', [
      mode.shopper.email,
    ]);
    if (!rows[0]) throw new Error('the bench shopper has no stored password hash');
    return rows[0].password_hash;
  } finally {
    await client.end();
  }
}
